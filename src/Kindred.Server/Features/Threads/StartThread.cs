using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Features.Changes;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>A member starts a thread in their group. New threads wait for a reply until someone else answers.</summary>
public sealed class StartThread(Database db, GroupQueries groups, PostStore posts, ChangeLog changes)
{
    public sealed record Input(string? Title, string? Content, string? ContentWarning);

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

        var id = await db.InTransactionAsync(async (c, tx) =>
        {
            var id = await posts.StartThreadAsync(c, tx, group.Id, authorId,
                new PostFields(input.Title!, input.Content!, GroupRules.Clean(input.ContentWarning)));
            // Federated groups: the author's Create and the group's Announce, queued in this transaction.
            await changes.RecordAsync(c, tx, new PostChanged(id, PostChange.Created), ct);
            return id;
        }, ct);
        return Outcome<PostRef>.Success(new PostRef(id, id, IsThread: true));
    }
}
