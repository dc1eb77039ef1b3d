using System.Data.Common;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Configuration;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Groups;

/// <summary>
/// Opens a group. Admins always may; members only when <c>Kindred:Groups:MembersCanCreate</c> is on. The slug takes
/// its name in <c>handles</c> (shared with usernames) in the same transaction as the group and its owner.
/// </summary>
public sealed class CreateGroup(Database db, UserStore users, IOptions<KindredOptions> options, TimeProvider time)
{
    public async Task<bool> MayCreateAsync(Guid userId, CancellationToken ct = default)
    {
        var user = await users.FindByIdAsync(userId, ct);
        return user is { Status: AccountStatus.Active } && (user.IsAdmin || options.Value.Groups.MembersCanCreate);
    }

    /// <summary>The federation setting a new group gets unless its creator chooses (the admin's default).</summary>
    public string DefaultFederation => options.Value.Groups.DefaultFederation.Trim().ToLowerInvariant();

    private const string InsertGroup = """
        INSERT INTO groups (id, slug, slug_normalized, name, description, rules, visibility, join_policy, join_question,
            federation, created_by, created_at, updated_at)
        VALUES (@Id, @Slug, @slugNormalized, @Name, @Description, @Rules, @Visibility, @JoinPolicy, @JoinQuestion,
            @Federation, @CreatedBy, @CreatedAt, @UpdatedAt)
        """;

    private const string InsertOwner = """
        INSERT INTO group_members (group_id, user_id, role, label, joined_at) VALUES (@groupId, @userId, 'owner', NULL, @at)
        """;

    public async Task<Outcome<Group>> RunAsync(Guid userId, GroupRules.Fields f, CancellationToken ct = default)
    {
        if (!await MayCreateAsync(userId, ct))
        {
            return Outcome<Group>.Forbidden("Only admins can open groups on this instance.");
        }

        f = f with { Federation = GroupRules.Clean(f.Federation) ?? DefaultFederation };
        var errors = GroupRules.Validate(f, isNew: true);
        if (errors.Count > 0)
        {
            return Outcome<Group>.Invalid(errors);
        }

        var now = time.GetUtcNow();
        var group = new Group
        {
            Id = Ids.New(time),
            Slug = f.Slug!.Trim(),
            Name = f.Name!.Trim(),
            Description = (f.Description ?? "").Trim(),
            Rules = f.Rules ?? "",
            Visibility = f.Visibility!,
            JoinPolicy = f.JoinPolicy!,
            JoinQuestion = GroupRules.Clean(f.JoinQuestion),
            Federation = f.Federation!,
            CreatedBy = userId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var slugNormalized = AccountRules.Normalize(group.Slug);
        try
        {
            return await db.InTransactionAsync(async (c, tx) =>
            {
                if (await Handles.IsTakenAsync(c, tx, slugNormalized))
                {
                    return TakenOutcome();
                }

                await Handles.ReserveAsync(c, tx, slugNormalized, "group", group.Id);
                await c.ExecuteAsync(InsertGroup, new
                {
                    group.Id, group.Slug, slugNormalized, group.Name, group.Description, group.Rules, group.Visibility,
                    group.JoinPolicy, group.JoinQuestion, group.Federation, group.CreatedBy, group.CreatedAt, group.UpdatedAt,
                }, tx);
                await c.ExecuteAsync(InsertOwner, new { groupId = group.Id, userId, at = now }, tx);
                return Outcome<Group>.Success(group);
            }, ct);
        }
        catch (DbException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            // Someone took the name between our check and our insert; the transaction rolled back.
            return TakenOutcome();
        }
    }

    /// <summary>409 with the field named, so the web form can show it next to the slug.</summary>
    private static Outcome<Group> TakenOutcome() => new()
    {
        Failure = Failure.Conflict,
        Message = "That name is already used by a person or a group.",
        Errors = new Dictionary<string, string> { ["slug"] = "That name is already used by a person or a group. Please choose another." },
    };
}
