using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>A member starts a thread in their group. New threads wait for a reply until someone else answers.</summary>
public sealed class StartThread(Database db, GroupQueries groups, GroupPublisher publisher, TimeProvider time)
{
    public sealed record Input(string? Title, string? Content, string? ContentWarning);

    private const string Insert = """
        INSERT INTO threads (id, group_id, author_id, title, content, content_warning, origin, created_at, updated_at)
        VALUES (@id, @groupId, @authorId, @title, @content, @contentWarning, 'local', @at, @at)
        """;

    public async Task<Outcome<PostRef>> RunAsync(string slug, Guid authorId, Input input, CancellationToken ct = default)
    {
        var group = await groups.FindAsync(slug, authorId, ct);
        if (group is null || !group.CanRead)
        {
            return Outcome<PostRef>.NotFound();
        }

        if (!group.IsMember)
        {
            return Outcome<PostRef>.Forbidden("Join the group to start a thread in it.");
        }

        var errors = PostRules.Validate(input.Title, input.Content, input.ContentWarning, hasTitle: true);
        if (errors.Count > 0)
        {
            return Outcome<PostRef>.Invalid(errors);
        }

        var id = Ids.New(time);
        await db.InTransactionAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(Insert, new
            {
                id,
                groupId = group.Id,
                authorId,
                title = input.Title!.Trim(),
                content = input.Content!,
                contentWarning = GroupRules.Clean(input.ContentWarning),
                at = time.GetUtcNow(),
            }, tx);
            // Federated groups: the author's Create and the group's Announce, queued in this transaction.
            await publisher.PublishAsync(c, tx, id, PostChange.Created, ct);
        }, ct);
        publisher.Wake();
        return Outcome<PostRef>.Success(new PostRef(id, id, IsThread: true));
    }
}
