using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Groups;

/// <summary>Changes a group's settings. Only its owner may; the slug never changes (it is the group's address).</summary>
public sealed class UpdateGroup(Database db, GroupQueries groups, TimeProvider time)
{
    private const string Update = """
        UPDATE groups SET name = @Name, description = @Description, rules = @Rules, visibility = @Visibility,
            join_policy = @JoinPolicy, join_question = @JoinQuestion, federation = @Federation, updated_at = @at
        WHERE id = @id
        """;

    /// <summary>Applies <paramref name="f"/>; fields left null keep their current value (PATCH semantics).</summary>
    public async Task<Outcome<GroupView>> RunAsync(string slug, Guid userId, GroupRules.Fields f, CancellationToken ct = default)
    {
        var group = await groups.FindAsync(slug, userId, ct);
        if (group is null || !group.CanRead)
        {
            return Outcome<GroupView>.NotFound();
        }

        if (!group.IsOwner)
        {
            return Outcome<GroupView>.Forbidden("Only the group's owner can change its settings.");
        }

        var merged = new GroupRules.Fields(
            group.Slug,
            f.Name ?? group.Name,
            f.Description ?? group.Description,
            f.Rules ?? group.Rules,
            f.Visibility ?? group.Visibility,
            f.JoinPolicy ?? group.JoinPolicy,
            f.JoinQuestion ?? group.JoinQuestion,
            f.Federation ?? group.Federation);
        var errors = GroupRules.Validate(merged, isNew: false);
        if (errors.Count > 0)
        {
            return Outcome<GroupView>.Invalid(errors);
        }

        await using (var c = await db.OpenAsync(ct))
        {
            await c.ExecuteAsync(Update, new
            {
                id = group.Id,
                Name = merged.Name!.Trim(),
                Description = (merged.Description ?? "").Trim(),
                merged.Rules,
                merged.Visibility,
                merged.JoinPolicy,
                JoinQuestion = GroupRules.Clean(merged.JoinQuestion),
                merged.Federation,
                at = time.GetUtcNow(),
            });
        }

        return Outcome<GroupView>.Success((await groups.FindAsync(slug, userId, ct))!);
    }
}
