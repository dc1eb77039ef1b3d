using System.Data.Common;
using Dapper;
using Kindred.ActivityPub;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Content;
using Kindred.Server.Data;
using Kindred.Server.Features.Notifications;
using Kindred.Server.Features.Threads;
using Kindred.Server.Federation.Resolution;

namespace Kindred.Server.Federation.RemoteGroups;

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

/// <summary>
/// Stores posts that remote groups Announce: a Page/Article (or a Note that answers nothing) becomes a thread, a Note
/// answering a thread or reply we hold becomes a reply. Missing parents are fetched from their origin, at most
/// <see cref="MaxParentDepth"/> levels up. Idempotent by ActivityPub id; content is sanitised remote HTML.
/// </summary>
public sealed class RemotePosts(Database db, ActorResolver resolver, ActorUrls urls, SafeHtml safe, Notifications notifications, TimeProvider time, ILogger<RemotePosts> logger)
{
    public const int MaxParentDepth = 5;

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
    /// which is how other servers answer our members.</summary>
    public Task<StoredPost?> FindAsync(DbConnection c, DbTransaction? tx, Uri apId) =>
        c.QuerySingleOrDefaultAsync<StoredPost>(Find, new { apId = apId.AbsoluteUri, localId = urls.IsLocal(apId) ? LocalIdOf(apId) : null }, tx);

    private static Guid? LocalIdOf(Uri apId) =>
        apId.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries) is ["threads" or "replies", var s] && Guid.TryParse(s, out var id) && apId.Fragment.Length == 0
            ? id : null;

    public async Task<StoredPost?> FindAsync(Uri apId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await FindAsync(c, null, apId);
    }

    /// <summary>Stores <paramref name="post"/> in <paramref name="group"/> unless we have it already; null when it does not belong there.</summary>
    public Task<StoredPost?> StoreAsync(RemoteGroup group, AsObject post, CancellationToken ct) => StoreAsync(group, post, 0, ct);

    private async Task<StoredPost?> StoreAsync(RemoteGroup group, AsObject post, int depth, CancellationToken ct)
    {
        if (await FindAsync(post.Id!, ct) is { } existing)
        {
            return existing;
        }

        if (post.InReplyTo is not { } parentId)
        {
            if (!IsAddressedTo(post, group.ActorId))
            {
                logger.LogInformation("{Post} is not addressed to {Group}; not stored", post.Id, group.ApId);
                return null;
            }

            await InsertThreadAsync(group, post, ct);
            return await FindAsync(post.Id!, ct);
        }

        var parent = await FindAsync(parentId, ct) ?? await FetchParentAsync(group, parentId, depth, ct);
        if (parent is null || parent.GroupId != group.Id)
        {
            logger.LogInformation("{Post} answers {Parent}, which is not in {Group} (or could not be fetched); not stored", post.Id, parentId, group.ApId);
            return null;
        }

        await InsertReplyAsync(post, parent, ct);
        return await FindAsync(post.Id!, ct);
    }

    private async Task<StoredPost?> FetchParentAsync(RemoteGroup group, Uri parentId, int depth, CancellationToken ct)
    {
        if (depth >= MaxParentDepth)
        {
            return null;
        }

        try
        {
            // Fetched from its own origin; its author must be on that origin too (FEP-fe34).
            if (await resolver.GetObjectAsync(parentId, ct) is AsObject { Id: { } id, AttributedToActor: { } author } parent && Origins.SameOrigin(author, id))
            {
                return await StoreAsync(group, parent, depth + 1, ct);
            }
        }
        catch (ResolutionException ex)
        {
            logger.LogInformation("Parent {Parent} could not be fetched: {Message}", parentId, ex.Message);
        }

        return null;
    }

    /// <summary>FEP-1b12 addressing (to, cc, audience), or a Mastodon/GoToSocial-style Mention of the group.</summary>
    public static bool IsAddressedTo(AsObject post, Uri group) =>
        post.To.Contains(group) || post.Cc.Contains(group) || post.Audience.Contains(group)
        || post.Tags.Any(t => t.Type == "Mention" && t.Href == group);

    private const string InsertThread = """
        INSERT INTO threads (id, group_id, author_id, remote_author, remote_author_name, title, content, content_warning, ap_id, origin, created_at, updated_at, edited_at)
        VALUES (@Id, @GroupId, NULL, @RemoteAuthor, @RemoteAuthorName, @Title, @Content, @ContentWarning, @ApId, @Origin, @CreatedAt, @Now, @EditedAt)
        ON CONFLICT (ap_id) DO NOTHING
        """;

    private async Task InsertThreadAsync(RemoteGroup group, AsObject post, CancellationToken ct)
    {
        var fields = Fields(post);
        var remoteAuthorName = await AuthorNameAsync(post.AttributedToActor!, ct);
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(InsertThread, new
        {
            Id = Ids.New(time), GroupId = group.Id, RemoteAuthor = post.AttributedToActor!.AbsoluteUri, RemoteAuthorName = remoteAuthorName, fields.Title, fields.Content,
            fields.ContentWarning, ApId = post.Id!.AbsoluteUri, Origin = RemoteGroupStore.Authority(post.Id), CreatedAt = post.Published ?? time.GetUtcNow(),
            Now = time.GetUtcNow(), EditedAt = post.Updated,
        });
    }

    private const string InsertReply = """
        INSERT INTO replies (id, thread_id, in_reply_to, root_id, depth, author_id, remote_author, remote_author_name, content, content_warning, ap_id, origin, created_at, updated_at, edited_at)
        VALUES (@Id, @ThreadId, @InReplyTo, @RootId, @Depth, NULL, @RemoteAuthor, @RemoteAuthorName, @Content, @ContentWarning, @ApId, @Origin, @CreatedAt, @Now, @EditedAt)
        ON CONFLICT (ap_id) DO NOTHING
        """;

    // Answered once someone other than the thread's author replies (a local author is never the remote one).
    private const string Count = """
        UPDATE threads SET reply_count = reply_count + 1,
            answered_at = CASE WHEN answered_at IS NULL AND (remote_author IS NULL OR remote_author <> @author) THEN @now ELSE answered_at END
        WHERE id = @threadId
        """;

    private async Task InsertReplyAsync(AsObject post, StoredPost parent, CancellationToken ct)
    {
        var id = Ids.New(time);
        var author = post.AttributedToActor!.AbsoluteUri;
        var fields = Fields(post);
        var now = time.GetUtcNow();
        var remoteAuthorName = await AuthorNameAsync(post.AttributedToActor!, ct);
        await db.InTransactionAsync(async (c, tx) =>
        {
            var inserted = await c.ExecuteAsync(InsertReply, new
            {
                RemoteAuthorName = remoteAuthorName,
                Id = id, parent.ThreadId, InReplyTo = parent.IsThread ? (Guid?)null : parent.Id, RootId = parent.IsThread ? id : parent.RootId,
                Depth = parent.IsThread ? 0 : parent.Depth + 1, RemoteAuthor = author, fields.Content, fields.ContentWarning,
                ApId = post.Id!.AbsoluteUri, Origin = RemoteGroupStore.Authority(post.Id), CreatedAt = post.Published ?? now, Now = now, EditedAt = post.Updated,
            }, tx);
            if (inserted == 0)
            {
                return;
            }

            await c.ExecuteAsync(Count, new { threadId = parent.ThreadId, author, now }, tx);
            // Our members hear when someone elsewhere answers them, as they do for local replies.
            foreach (var userId in new[] { parent.ThreadAuthorId, parent.AuthorId }.OfType<Guid>().Distinct())
            {
                await notifications.AddAsync(c, tx, userId, NotificationKinds.Reply, parent.GroupId, parent.ThreadId, id);
            }
        }, ct);
    }

    /// <summary>How a remote author (or reactor) is shown: <c>name@host</c>, with the name from their actor document when it can be fetched.</summary>
    public async Task<string> AuthorNameAsync(Uri author, CancellationToken ct)
    {
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
    public (string Title, string Content, string? ContentWarning) Fields(AsObject post)
    {
        ArgumentNullException.ThrowIfNull(post);
        var html = post.Content ?? "";
        // Link posts (Lemmy/Mbin) may have no body: show the link they share.
        foreach (var link in post.Attachments.Where(a => a.Url is not null && a.Type is "Link" or "Document" or "Image").Take(4))
        {
            html += $"<p><a href=\"{System.Net.WebUtility.HtmlEncode(link.Url!.AbsoluteUri)}\">{System.Net.WebUtility.HtmlEncode(link.Name ?? link.Url.AbsoluteUri)}</a></p>";
        }

        var content = safe.Sanitize(html).Value;
        var title = RemoteText.Plain(post.Name, PostRules.MaxTitleLength) is { Length: > 0 } name ? name : RemoteText.TitleFrom(content);
        // Mastodon puts a content warning in summary with sensitive = true; elsewhere summary is a preview (NodeBB).
        var warning = post.Sensitive ? (RemoteText.Plain(post.Summary, PostRules.MaxContentWarningLength) is { Length: > 0 } cw ? cw : "Sensitive") : null;
        return (title, content, warning);
    }
}
