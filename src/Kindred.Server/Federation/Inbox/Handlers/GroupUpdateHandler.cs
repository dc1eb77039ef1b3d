using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Content;
using Kindred.Server.Data;
using Kindred.Server.Features.Threads;
using Kindred.Server.Federation.Groups;
using Kindred.Server.Federation.Outbox;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Update(Page|Article|Note) of a remote member's post in one of our groups: only its own author may edit it (same
/// actor, object on the actor's origin: FEP-fe34). The group stores the new text and Announces the original Update.
/// An Update that arrives before its Create is stored as if it were the Create (same checks).
/// </summary>
public sealed class GroupUpdateHandler(Database db, GroupCreateHandler create, GroupAnnouncer announcer, SafeHtml safe, TimeProvider time, ILogger<GroupUpdateHandler> logger)
{
    private const string Find = """
        SELECT 'thread' AS kind, t.id, t.remote_author, t.group_id FROM threads t WHERE t.ap_id = @apId AND t.deleted_at IS NULL
        UNION ALL
        SELECT 'reply' AS kind, r.id, r.remote_author, t.group_id FROM replies r JOIN threads t ON t.id = r.thread_id WHERE r.ap_id = @apId AND r.deleted_at IS NULL
        """;

    private const string UpdateThread = """
        UPDATE threads SET title = COALESCE(@title, title), content = @content, content_warning = @contentWarning, edited_at = @at, updated_at = @at WHERE id = @id
        """;

    private const string UpdateReply = "UPDATE replies SET content = @content, content_warning = @contentWarning, edited_at = @at, updated_at = @at WHERE id = @id";

    public async Task HandleAsync(AsActivity update, CancellationToken ct)
    {
        if (update.Object?.Embedded is not AsObject obj || obj.Id is null || !GroupInbox.SameAuthor(update, obj))
        {
            logger.LogDebug("Update {Id}: no embedded object from the actor's origin; ignored", update.Id);
            return;
        }

        var outcome = await db.InTransactionAsync(async (c, tx) =>
        {
            var row = await c.QuerySingleOrDefaultAsync<Row>(Find, new { apId = obj.Id.AbsoluteUri }, tx);
            if (row is null)
            {
                return "unknown; " + await create.StoreAsync(c, tx, update, obj, ct);
            }

            if (row.RemoteAuthor != update.Actor!.AbsoluteUri)
            {
                return "refused: not the author";
            }

            // Only groups we host: a post in a group that lives elsewhere changes when that group Announces it.
            if (await c.QuerySingleOrDefaultAsync<Endpoints.GroupActorRow>(Endpoints.GroupActor.ById, new { id = row.GroupId }, tx) is not { } group)
            {
                return "ignored: the group lives elsewhere";
            }

            var contentWarning = string.IsNullOrWhiteSpace(obj.Summary) ? null : obj.Summary[..Math.Min(obj.Summary.Length, PostRules.MaxContentWarningLength)];
            var title = string.IsNullOrWhiteSpace(obj.Name) ? null : obj.Name.Trim()[..Math.Min(obj.Name.Trim().Length, PostRules.MaxTitleLength)];
            await c.ExecuteAsync(row.Kind == "thread" ? UpdateThread : UpdateReply,
                new { id = row.Id, title, content = safe.Sanitize(obj.Content).Value, contentWarning, at = time.GetUtcNow() }, tx);
            await GroupAnnouncer.ForgetObjectAsync(c, tx, obj.Id);
            await announcer.AnnounceAsync(c, tx, group, GroupInbox.Original(update), obj.Id, ct);
            return "updated";
        }, ct);
        announcer.Wake();
        logger.LogInformation("Update {Object} by {Actor}: {Outcome}", obj.Id, update.Actor, outcome);
    }

    private sealed record Row
    {
        public string Kind { get; init; } = "";
        public Guid Id { get; init; }
        public string? RemoteAuthor { get; init; }
        public Guid GroupId { get; init; }
    }
}
