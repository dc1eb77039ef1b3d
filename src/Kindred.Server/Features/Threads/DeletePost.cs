using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Features.Changes;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>
/// An author deletes their own thread or reply. The words are erased at once; the row stays as a placeholder
/// ("This reply was deleted") so the answers around it still make sense.
/// </summary>
public sealed class DeletePost(Database db, PostStore posts, ChangeLog changes)
{
    public async Task<Outcome<PostRef>> RunAsync(Guid postId, Guid userId, CancellationToken ct = default)
    {
        var result = await db.InTransactionAsync(async (c, tx) =>
        {
            var found = await PostLookup.FindOwnAsync(c, tx, postId, userId);
            if (!found.Ok)
            {
                return found.As<PostRef>();
            }

            var post = found.Value!;
            await posts.EraseAsync(c, tx, post.Id, post.ThreadId, post.IsThread);
            // Delete is best effort elsewhere (ActivityPub has no acknowledgement); it goes to every member's server.
            await changes.RecordAsync(c, tx, new PostChanged(post.Id, PostChange.Deleted), ct);
            return Outcome<PostRef>.Success(post.Ref);
        }, ct);
        return result;
    }
}
