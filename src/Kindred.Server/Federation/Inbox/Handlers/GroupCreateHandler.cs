using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Content;
using Kindred.Server.Data;
using Kindred.Server.Features.Threads;
using Kindred.Server.Federation.Groups;
using Kindred.Server.Federation.Outbox;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Create(Page|Article|Note) by a remote member, addressed to one of our groups or answering one of its threads
/// (FEP-1b12). The group checks membership and its rules, stores the post (sanitised) as a thread or reply with its
/// origin, author and ap_id, and Announces the original activity to all its remote members. Idempotent by object id.
/// A Note without inReplyTo (Mastodon mentioning the group) becomes a thread titled with its first words.
/// </summary>
public sealed partial class GroupCreateHandler(Database db, GroupInbox inbox, GroupAnnouncer announcer, SafeHtml safe, TimeProvider time, ILogger<GroupCreateHandler> logger)
{
    private const string InsertThread = """
        INSERT INTO threads (id, group_id, author_id, remote_author, title, content, content_warning, ap_id, origin, created_at, updated_at)
        VALUES (@id, @groupId, NULL, @author, @title, @content, @contentWarning, @apId, @origin, @at, @at)
        """;

    private const string Parent = "SELECT root_id, depth FROM replies WHERE id = @id";

    private const string InsertReply = """
        INSERT INTO replies (id, thread_id, in_reply_to, root_id, depth, author_id, remote_author, content, content_warning, ap_id, origin, created_at, updated_at)
        VALUES (@id, @threadId, @inReplyTo, @rootId, @depth, NULL, @author, @content, @contentWarning, @apId, @origin, @at, @at)
        """;

    // As for local replies: a locked or deleted thread takes none (checked in the same transaction).
    private const string Count = """
        UPDATE threads SET reply_count = reply_count + 1, answered_at = COALESCE(answered_at, @at)
        WHERE id = @threadId AND locked_at IS NULL AND deleted_at IS NULL
        """;

    public async Task HandleAsync(AsActivity create, CancellationToken ct)
    {
        if (create.Object?.Embedded is not AsObject obj || obj.Id is null || !GroupInbox.SameAuthor(create, obj))
        {
            logger.LogDebug("Create {Id}: no embedded object from the actor's origin; ignored", create.Id);
            return;
        }

        var outcome = await db.InTransactionAsync(async (c, tx) => await StoreAsync(c, tx, create, obj, ct), ct);
        announcer.Wake();
        logger.LogInformation("Create {Object} by {Actor}: {Outcome}", obj.Id, create.Actor, outcome);
    }

    /// <summary>Stores and announces; also used for an Update that arrives before its Create.</summary>
    public async Task<string> StoreAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, AsActivity activity, AsObject obj, CancellationToken ct)
    {
        var actor = activity.Actor!;
        if (await inbox.FindAsync(c, tx, obj) is not { } target || !GroupAnnouncer.Federates(target.Group))
        {
            return "not for a federated local group";
        }

        if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM threads WHERE ap_id = @apId", new { apId = obj.Id!.AbsoluteUri }, tx)
            + await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM replies WHERE ap_id = @apId", new { apId = obj.Id.AbsoluteUri }, tx) > 0)
        {
            return "already stored";
        }

        if (!await RemoteMembers.IsMemberAsync(c, tx, target.Group.Id, actor))
        {
            return "refused: not a member";
        }

        if (target.Group.Visibility != "public" && obj.IsPublic)
        {
            return "refused: addressed to Public in a members-only group";
        }

        var content = safe.Sanitize(obj.Content).Value;
        if (content.Length > PostRules.MaxContentLength * 2)
        {
            return "refused: too long";
        }

        var at = time.GetUtcNow();
        var row = new
        {
            id = Ids.New(time), groupId = target.Group.Id, author = actor.AbsoluteUri, content, apId = obj.Id.AbsoluteUri,
            origin = obj.Id.Authority.ToLowerInvariant(), at, contentWarning = Clip(obj.Summary, PostRules.MaxContentWarningLength),
            title = Title(obj, content), threadId = target.ThreadId,
        };
        if (target.ThreadId is null)
        {
            if (obj.Type is not ("Page" or "Article" or "Note" or "Question"))
            {
                return "ignored: not a post type";
            }

            await c.ExecuteAsync(InsertThread, row, tx);
        }
        else
        {
            var parent = target.ParentReplyId is { } p ? await c.QuerySingleAsync<ParentRow>(Parent, new { id = p }, tx) : null;
            if (await c.ExecuteAsync(Count, new { threadId = target.ThreadId, at }, tx) == 0)
            {
                return "refused: thread locked or deleted";
            }

            await c.ExecuteAsync(InsertReply, new
            {
                row.id, row.threadId, inReplyTo = target.ParentReplyId, rootId = parent?.RootId ?? row.id, depth = parent is null ? 0 : parent.Depth + 1,
                row.author, row.content, row.contentWarning, row.apId, row.origin, row.at,
            }, tx);
        }

        await announcer.AnnounceAsync(c, tx, target.Group, GroupInbox.Original(activity), obj.Id, ct);
        return target.ThreadId is null ? "stored as a thread" : "stored as a reply";
    }

    /// <summary>The Page/Article name, or the first words of the text (Mastodon Notes have no title).</summary>
    private static string Title(AsObject obj, string html)
    {
        if (!string.IsNullOrWhiteSpace(obj.Name))
        {
            return Clip(obj.Name.Trim(), PostRules.MaxTitleLength)!;
        }

        var text = WebUtility.HtmlDecode(Tags().Replace(html, " "));
        text = Spaces().Replace(text, " ").Trim();
        if (text.Length == 0)
        {
            return "(untitled)";
        }

        const int words = 80;
        if (text.Length <= words)
        {
            return text;
        }

        var cut = text.LastIndexOf(' ', words);
        return text[..(cut > 20 ? cut : words)] + "…";
    }

    private static string? Clip(string? s, int max) => string.IsNullOrWhiteSpace(s) ? null : s.Length <= max ? s : s[..max];

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    private sealed record ParentRow
    {
        public Guid RootId { get; init; }
        public int Depth { get; init; }
    }
}
