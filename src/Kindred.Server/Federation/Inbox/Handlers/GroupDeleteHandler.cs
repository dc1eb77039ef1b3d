using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.Groups;
using Kindred.Server.Federation.Outbox;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Delete of a remote member's post in one of our groups (by id or with a Tombstone): only its author may delete it.
/// The words are erased at once (the row stays as a placeholder, as for local deletes), the group's outbox forgets the
/// earlier activities that carried them, and the group Announces the Delete. A Delete of something never seen is ignored.
/// </summary>
public sealed class GroupDeleteHandler(Database db, GroupAnnouncer announcer, TimeProvider time, ILogger<GroupDeleteHandler> logger)
{
    private const string Find = """
        SELECT 'thread' AS kind, t.id, t.id AS thread_id, t.remote_author, t.group_id FROM threads t WHERE t.ap_id = @apId AND t.deleted_at IS NULL
        UNION ALL
        SELECT 'reply' AS kind, r.id, r.thread_id, r.remote_author, t.group_id FROM replies r JOIN threads t ON t.id = r.thread_id
        WHERE r.ap_id = @apId AND r.deleted_at IS NULL
        """;

    private const string EraseThread = "UPDATE threads SET title = '', content = '', content_warning = NULL, deleted_at = @at, updated_at = @at WHERE id = @id";
    private const string EraseReply = "UPDATE replies SET content = '', content_warning = NULL, deleted_at = @at, updated_at = @at WHERE id = @id";
    private const string Recount = "UPDATE threads SET reply_count = reply_count - 1 WHERE id = @threadId AND reply_count > 0";

    public async Task HandleAsync(AsActivity delete, CancellationToken ct)
    {
        if (delete.Object?.Id is not { } objectId)
        {
            return;
        }

        var outcome = await db.InTransactionAsync(async (c, tx) =>
        {
            var row = await c.QuerySingleOrDefaultAsync<Row>(Find, new { apId = objectId.AbsoluteUri }, tx);
            if (row is null)
            {
                return "unknown; ignored";
            }

            if (row.RemoteAuthor != delete.Actor!.AbsoluteUri)
            {
                return "refused: not the author";
            }

            var at = time.GetUtcNow();
            // Only groups we host: a post in a group that lives elsewhere changes when that group Announces it.
            if (await c.QuerySingleOrDefaultAsync<Endpoints.GroupActorRow>(Endpoints.GroupActor.ById, new { id = row.GroupId }, tx) is not { } group)
            {
                return "ignored: the group lives elsewhere";
            }

            await c.ExecuteAsync(row.Kind == "thread" ? EraseThread : EraseReply, new { id = row.Id, at }, tx);
            if (row.Kind == "reply")
            {
                await c.ExecuteAsync(Recount, new { threadId = row.ThreadId }, tx);
            }

            await GroupAnnouncer.ForgetObjectAsync(c, tx, objectId);
            await announcer.AnnounceAsync(c, tx, group, GroupInbox.Original(delete), objectId, ct);
            return "deleted";
        }, ct);
        announcer.Wake();
        logger.LogInformation("Delete {Object} by {Actor}: {Outcome}", objectId, delete.Actor, outcome);
    }

    private sealed record Row
    {
        public string Kind { get; init; } = "";
        public Guid Id { get; init; }
        public Guid ThreadId { get; init; }
        public string? RemoteAuthor { get; init; }
        public Guid GroupId { get; init; }
    }
}
