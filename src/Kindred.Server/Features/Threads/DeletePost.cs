using System.Data.Common;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>
/// An author deletes their own thread or reply. The words are erased at once; the row stays as a placeholder
/// ("This reply was deleted") so the answers around it still make sense.
/// </summary>
public sealed class DeletePost(Database db, GroupPublisher publisher, TimeProvider time)
{
    private const string EraseThread = """
        UPDATE threads SET title = '', content = '', content_warning = NULL, deleted_at = @at, updated_at = @at WHERE id = @id
        """;

    private const string EraseReply = """
        UPDATE replies SET content = '', content_warning = NULL, deleted_at = @at, updated_at = @at WHERE id = @id
        """;

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
            var at = time.GetUtcNow();
            await c.ExecuteAsync(post.IsThread ? EraseThread : EraseReply, new { id = post.Id, at }, tx);
            if (!post.IsThread)
            {
                await RecountAsync(c, tx, post.ThreadId);
            }

            // Delete is best effort elsewhere (ActivityPub has no acknowledgement); we send it to every member's server.
            await publisher.PublishAsync(c, tx, post.Id, PostChange.Deleted, ct);
            return Outcome<PostRef>.Success(post.Ref);
        }, ct);
        publisher.Wake();
        return result;
    }

    // If the deleted reply was the only answer, the thread is waiting for a reply again. An answer is a reply by
    // someone other than the thread's author, whether either of them is local (author_id) or remote (remote_author).
    private const string Recount = """
        UPDATE threads SET reply_count = CASE WHEN reply_count > 0 THEN reply_count - 1 ELSE 0 END,
            answered_at = (SELECT MIN(r.created_at) FROM replies r
                           WHERE r.thread_id = threads.id AND r.deleted_at IS NULL
                             AND (threads.author_id IS NULL OR r.author_id IS NULL OR r.author_id <> threads.author_id)
                             AND (threads.remote_author IS NULL OR r.remote_author IS NULL OR r.remote_author <> threads.remote_author))
        WHERE id = @threadId
        """;

    /// <summary>After a reply is deleted (here or by its author elsewhere): one reply fewer, and "answered" recomputed.</summary>
    public static Task RecountAsync(DbConnection c, DbTransaction tx, Guid threadId) =>
        c.ExecuteAsync(Recount, new { threadId }, tx);
}
