using Dapper;
using Kindred.ActivityPub;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;

namespace Kindred.Server.Federation.RemoteGroups;

/// <summary>
/// Edits and deletions of remote posts that a group Announces. Only the author may edit (same actor); the author or the
/// group's home server (its moderators) may delete. An Update of something we never saw stores it (it may have
/// overtaken its Create); a Delete of something we never saw does nothing. Deletion is soft: the words go, the row stays.
/// </summary>
public sealed class RemotePostChanges(Database db, RemotePosts posts, TimeProvider time, ILogger<RemotePostChanges> logger)
{
    private const string UpdateThread = """
        UPDATE threads SET title = @Title, content = @Content, content_warning = @ContentWarning, edited_at = @At, updated_at = @At
        WHERE id = @Id AND deleted_at IS NULL
        """;

    private const string UpdateReply = """
        UPDATE replies SET content = @Content, content_warning = @ContentWarning, edited_at = @At, updated_at = @At
        WHERE id = @Id AND deleted_at IS NULL
        """;

    public async Task UpdateAsync(RemoteGroup group, AsObject post, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(post);
        var stored = await posts.FindAsync(post.Id!, ct);
        if (stored is null)
        {
            await posts.StoreAsync(group, post, ct);
            return;
        }

        if (stored.RemoteAuthor != post.AttributedToActor?.AbsoluteUri || stored.GroupId != group.Id)
        {
            logger.LogInformation("Update of {Post} by someone other than its author, or through another group; ignored", post.Id);
            return;
        }

        var fields = posts.Fields(post);
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(stored.IsThread ? UpdateThread : UpdateReply, new
        {
            stored.Id, fields.Title, fields.Content, fields.ContentWarning, At = post.Updated ?? time.GetUtcNow(),
        });
    }

    private const string EraseThread = """
        UPDATE threads SET title = '', content = '', content_warning = NULL, deleted_at = @at, updated_at = @at WHERE id = @id AND deleted_at IS NULL
        """;

    private const string EraseReply = """
        UPDATE replies SET content = '', content_warning = NULL, deleted_at = @at, updated_at = @at WHERE id = @id AND deleted_at IS NULL
        """;

    private const string Recount = """
        UPDATE threads SET reply_count = reply_count - 1 WHERE id = @threadId AND reply_count > 0
        """;

    /// <summary>Deletes <paramref name="objectId"/> when <paramref name="actor"/> may: its author, or someone on the group's home server.</summary>
    public async Task DeleteAsync(RemoteGroup group, Uri objectId, Uri actor, CancellationToken ct)
    {
        var at = time.GetUtcNow();
        var outcome = await db.InTransactionAsync(async (c, tx) =>
        {
            var stored = await posts.FindAsync(c, tx, objectId);
            if (stored is null || stored.DeletedAt is not null)
            {
                return "unknown or already deleted";
            }

            var mayDelete = stored.GroupId == group.Id && stored.AuthorId is null
                && (stored.RemoteAuthor == actor.AbsoluteUri || Origins.SameOrigin(actor, group.ActorId));
            if (!mayDelete)
            {
                return "not allowed";
            }

            if (await c.ExecuteAsync(stored.IsThread ? EraseThread : EraseReply, new { id = stored.Id, at }, tx) > 0 && !stored.IsThread)
            {
                await c.ExecuteAsync(Recount, new { threadId = stored.ThreadId }, tx);
            }

            return "deleted";
        }, ct);
        logger.LogInformation("Delete of {Object} by {Actor} via {Group}: {Outcome}", objectId, actor, group.ApId, outcome);
    }
}
