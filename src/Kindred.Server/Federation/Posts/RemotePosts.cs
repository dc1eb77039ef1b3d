using System.Data.Common;
using System.Net;
using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Content;
using Kindred.Server.Data;
using Kindred.Server.Features.Notifications;
using Kindred.Server.Features.Threads;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Federation.Resolution;

namespace Kindred.Server.Federation.Posts;

/// <summary>A thread or reply we hold, found by its ActivityPub id.</summary>
public sealed record StoredPost
{
    public string Kind { get; init; } = "";
    public Guid Id { get; init; }
    public Guid ThreadId { get; init; }
    public Guid GroupId { get; init; }
    public Guid RootId { get; init; }
    public int Depth { get; init; }
    public Guid? AuthorId { get; init; }
    public Guid? ThreadAuthorId { get; init; }
    public string? RemoteAuthor { get; init; }
    public DateTimeOffset? DeletedAt { get; init; }

    public bool IsThread => Kind == "thread";
}

/// <summary>Title, sanitised HTML and content warning of a remote post, within our limits.</summary>
public sealed record PostFields(string Title, string Content, string? ContentWarning);

/// <summary>A remote post ready to store: who wrote it, how they are shown, its fields and its times.</summary>
public sealed record NewRemotePost(Uri ApId, Uri Author, string AuthorName, PostFields Fields, DateTimeOffset CreatedAt, DateTimeOffset? EditedAt);

/// <summary>
/// The one place posts written on other servers are stored, whichever side the group is on: remote members posting to
/// a group we host (the Group* inbox handlers) and groups hosted elsewhere Announcing their posts (the Announced*
/// handlers). Storage only, on the caller's connection and transaction: who may post where is the handlers' business.
/// Idempotent by ActivityPub id; content is sanitised remote HTML. Edits and deletions: <see cref="RemotePostChanges"/>.
/// </summary>
public sealed class RemotePosts(ActorUrls urls, ActorResolver resolver, SafeHtml safe, Notifications notifications, TimeProvider time, ILogger<RemotePosts> logger)
{
    private const string Find = """
        SELECT 'thread' AS kind, t.id, t.id AS thread_id, t.group_id, t.id AS root_id, -1 AS depth, t.author_id,
            t.author_id AS thread_author_id, t.remote_author, t.deleted_at
        FROM threads t WHERE t.ap_id = @apId OR t.id = @localId
        UNION ALL
        SELECT 'reply' AS kind, r.id, r.thread_id, t.group_id, r.root_id, r.depth, r.author_id,
            t.author_id AS thread_author_id, r.remote_author, r.deleted_at
        FROM replies r JOIN threads t ON t.id = r.thread_id WHERE r.ap_id = @apId OR r.id = @localId
        """;

    /// <summary>By ActivityPub id: a stored remote ap_id, or one of our own URLs (<c>/threads/{id}</c>, <c>/replies/{id}</c>),
    /// which is how other servers answer our members. Deleted posts are found too (their placeholder stays).</summary>
    public Task<StoredPost?> FindAsync(DbConnection c, DbTransaction? tx, Uri apId) =>
        c.QuerySingleOrDefaultAsync<StoredPost>(Find, new { apId = apId.AbsoluteUri, localId = urls.LocalPostOf(apId)?.Id }, tx);

    private const string InsertThread = """
        INSERT INTO threads (id, group_id, author_id, remote_author, remote_author_name, title, content, content_warning, ap_id, origin, created_at, updated_at, edited_at)
        VALUES (@Id, @GroupId, NULL, @RemoteAuthor, @RemoteAuthorName, @Title, @Content, @ContentWarning, @ApId, @Origin, @CreatedAt, @Now, @EditedAt)
        ON CONFLICT (ap_id) DO NOTHING
        """;

    /// <summary>Stores <paramref name="post"/> as a thread of <paramref name="groupId"/>; false when we hold it already.</summary>
    public async Task<bool> InsertThreadAsync(DbConnection c, DbTransaction tx, Guid groupId, NewRemotePost post)
    {
        ArgumentNullException.ThrowIfNull(post);
        return await c.ExecuteAsync(InsertThread, new
        {
            Id = Ids.New(time), GroupId = groupId, RemoteAuthor = post.Author.AbsoluteUri, RemoteAuthorName = post.AuthorName, post.Fields.Title,
            post.Fields.Content, post.Fields.ContentWarning, ApId = post.ApId.AbsoluteUri, Origin = RemoteGroupStore.Authority(post.ApId),
            post.CreatedAt, Now = time.GetUtcNow(), post.EditedAt,
        }, tx) > 0;
    }

    private const string InsertReply = """
        INSERT INTO replies (id, thread_id, in_reply_to, root_id, depth, author_id, remote_author, remote_author_name, content, content_warning, ap_id, origin, created_at, updated_at, edited_at)
        VALUES (@Id, @ThreadId, @InReplyTo, @RootId, @Depth, NULL, @RemoteAuthor, @RemoteAuthorName, @Content, @ContentWarning, @ApId, @Origin, @CreatedAt, @Now, @EditedAt)
        ON CONFLICT (ap_id) DO NOTHING
        """;

    // Answered once someone other than the thread's author replies (a local author is never the remote one). With
    // @openOnly = 1 a locked or deleted thread takes no reply: checked here, in the transaction, as for local replies.
    private const string Count = """
        UPDATE threads SET reply_count = reply_count + 1,
            answered_at = CASE WHEN answered_at IS NULL AND (remote_author IS NULL OR remote_author <> @author) THEN @now ELSE answered_at END
        WHERE id = @threadId AND (@openOnly = 0 OR (locked_at IS NULL AND deleted_at IS NULL))
        """;

    private const string Unstore = "DELETE FROM replies WHERE id = @id";

    /// <summary>
    /// Stores <paramref name="post"/> as a reply to <paramref name="parent"/>, counts it on the thread (taking the thread
    /// off "waiting for a reply" unless its author answers themselves) and notifies the local authors of the thread and
    /// of the post answered, as for local replies. With <paramref name="openThreadsOnly"/> a locked or deleted thread
    /// refuses it.
    /// </summary>
    public async Task<ReplyOutcome> InsertReplyAsync(DbConnection c, DbTransaction tx, StoredPost parent, NewRemotePost post, bool openThreadsOnly)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(post);
        var id = Ids.New(time);
        var now = time.GetUtcNow();
        var inserted = await c.ExecuteAsync(InsertReply, new
        {
            Id = id, parent.ThreadId, InReplyTo = parent.IsThread ? (Guid?)null : parent.Id, RootId = parent.IsThread ? id : parent.RootId,
            Depth = parent.IsThread ? 0 : parent.Depth + 1, RemoteAuthor = post.Author.AbsoluteUri, RemoteAuthorName = post.AuthorName,
            post.Fields.Content, post.Fields.ContentWarning, ApId = post.ApId.AbsoluteUri, Origin = RemoteGroupStore.Authority(post.ApId),
            post.CreatedAt, Now = now, post.EditedAt,
        }, tx);
        if (inserted == 0)
        {
            return ReplyOutcome.AlreadyStored;
        }

        if (await c.ExecuteAsync(Count, new { threadId = parent.ThreadId, author = post.Author.AbsoluteUri, now, openOnly = openThreadsOnly ? 1 : 0 }, tx) == 0)
        {
            await c.ExecuteAsync(Unstore, new { id }, tx);
            return ReplyOutcome.ThreadClosed;
        }

        // Our members hear when someone elsewhere answers them, as they do for local replies.
        foreach (var userId in new[] { parent.ThreadAuthorId, parent.AuthorId }.OfType<Guid>().Distinct())
        {
            await notifications.AddAsync(c, tx, userId, NotificationKinds.Reply, parent.GroupId, parent.ThreadId, id, actorName: post.AuthorName);
        }

        return ReplyOutcome.Stored;
    }

    /// <summary>How the author is shown: <c>name@host</c>, with the name from their actor document when it can be had
    /// (usually cached: the actor signed the request). Call it outside a transaction: it may fetch.</summary>
    public async Task<string> AuthorNameAsync(Uri author, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(author);
        string? name = null;
        try
        {
            name = (await resolver.GetActorAsync(author, refresh: false, ct)).PreferredUsername;
        }
        catch (ResolutionException ex)
        {
            logger.LogDebug("Author {Author} could not be fetched: {Message}", author, ex.Message);
        }

        name = RemoteText.Plain(name, 60) is { Length: > 0 } n ? n : author.Segments[^1].Trim('/');
        return $"{(name.Length > 0 ? name : "someone")}@{RemoteGroupStore.Authority(author)}";
    }

    /// <summary>Title, sanitised HTML and content warning of a remote post, within our limits.</summary>
    public PostFields Fields(AsObject post)
    {
        ArgumentNullException.ThrowIfNull(post);
        var html = post.Content ?? "";
        // Link posts (Lemmy/Mbin) may have no body: show the link they share.
        foreach (var link in post.Attachments.Where(a => a.Url is not null && a.Type is "Link" or "Document" or "Image").Take(4))
        {
            html += $"<p><a href=\"{WebUtility.HtmlEncode(link.Url!.AbsoluteUri)}\">{WebUtility.HtmlEncode(link.Name ?? link.Url.AbsoluteUri)}</a></p>";
        }

        var content = safe.Sanitize(html).Value;
        var title = RemoteText.Plain(post.Name, PostRules.MaxTitleLength) is { Length: > 0 } name ? name : RemoteText.TitleFrom(content);
        return new PostFields(title, content, ContentWarning(post));
    }

    /// <summary>
    /// Mastodon and Misskey put a content warning in <c>summary</c> with <c>sensitive</c> = true; Pleroma-style servers
    /// put it in a Note's <c>summary</c> without the flag. On a Page or Article (NodeBB, Lemmy) summary is a preview,
    /// not a warning. A sensitive post without words for its warning is still hidden behind one: hiding is the safe side.
    /// </summary>
    private static string? ContentWarning(AsObject post)
    {
        var summary = RemoteText.Plain(post.Summary, PostRules.MaxContentWarningLength);
        if (post.Sensitive)
        {
            return summary.Length > 0 ? summary : "Sensitive";
        }

        return post.HasType("Note") && summary.Length > 0 ? summary : null;
    }
}

public enum ReplyOutcome
{
    Stored,
    AlreadyStored,
    ThreadClosed,
}
