using Kindred.Server.Features.Groups;
using System.Data.Common;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Notifications;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

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
    public DateTimeOffset? RemovedAt { get; init; }

    public bool IsThread => Kind == "thread";
}

/// <summary>Title, body and content warning of a post, within our limits (a remote post's body is sanitised HTML).</summary>
public sealed record PostFields(string Title, string Content, string? ContentWarning);

/// <summary>A post written on another server, ready to store: who wrote it, how they are shown, its fields and times.</summary>
public sealed record NewRemotePost(Uri ApId, Uri Author, string AuthorName, PostFields Fields, DateTimeOffset CreatedAt, DateTimeOffset? EditedAt);

/// <summary>A reply about to be stored: where it goes and who wrote it (a local member or a remote actor).</summary>
internal sealed record ReplyPlacement(Guid ThreadId, Guid? InReplyTo, Guid RootId, int Depth);

public enum ReplyOutcome
{
    Stored,
    AlreadyStored,
    ThreadClosed,
}

/// <summary>
/// The one owner of <c>threads</c> and <c>replies</c>: every write to a post goes through here, whoever wrote it (a
/// local member or a remote actor), so one rule decides "answered", one erases, one notifies. Every method runs on the
/// caller's connection and transaction; who may write where is the caller's business (the feature's operations for
/// local members, the Federation handlers for remote actors).
/// </summary>
public sealed class PostStore(ActorUrls urls, Notifications.Notifications notifications, TimeProvider time)
{
    private const string Find = """
        SELECT 'thread' AS kind, t.id, t.id AS thread_id, t.group_id, t.id AS root_id, -1 AS depth, t.author_id,
            t.author_id AS thread_author_id, t.remote_author, t.deleted_at, t.removed_at
        FROM threads t WHERE t.ap_id = @apId OR t.id = @localId
        UNION ALL
        SELECT 'reply' AS kind, r.id, r.thread_id, t.group_id, r.root_id, r.depth, r.author_id,
            t.author_id AS thread_author_id, r.remote_author, r.deleted_at, r.removed_at
        FROM replies r JOIN threads t ON t.id = r.thread_id WHERE r.ap_id = @apId OR r.id = @localId
        """;

    /// <summary>By ActivityPub id: a stored remote ap_id, or one of our own URLs (<c>/threads/{id}</c>, <c>/replies/{id}</c>),
    /// which is how other servers answer our members. Deleted posts are found too (their placeholder stays).</summary>
    public Task<StoredPost?> FindAsync(DbConnection c, DbTransaction? tx, Uri apId)
    {
        ArgumentNullException.ThrowIfNull(apId);
        return c.QuerySingleOrDefaultAsync<StoredPost>(Find, new { apId = apId.AbsoluteUri, localId = urls.LocalPostOf(apId)?.Id }, tx);
    }

    /// <summary>By our own id (deleted and removed posts too).</summary>
    public Task<StoredPost?> FindByIdAsync(DbConnection c, DbTransaction? tx, Guid id) =>
        c.QuerySingleOrDefaultAsync<StoredPost>(Find, new { apId = (string?)null, localId = (Guid?)id }, tx);

    private const string InsertThread = """
        INSERT INTO threads (id, group_id, author_id, remote_author, remote_author_name, title, content, content_warning, ap_id, origin, created_at, updated_at, edited_at)
        VALUES (@Id, @GroupId, @AuthorId, @RemoteAuthor, @RemoteAuthorName, @Title, @Content, @ContentWarning, @ApId, @Origin, @CreatedAt, @Now, @EditedAt)
        ON CONFLICT (ap_id) DO NOTHING
        """;

    /// <summary>A local member's new thread. New threads wait for a reply until someone else answers.</summary>
    public async Task<Guid> StartThreadAsync(DbConnection c, DbTransaction tx, Guid groupId, Guid authorId, PostFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var id = Ids.New(time);
        var now = time.GetUtcNow();
        await c.ExecuteAsync(InsertThread, new
        {
            Id = id, GroupId = groupId, AuthorId = (Guid?)authorId, RemoteAuthor = (string?)null, RemoteAuthorName = (string?)null,
            Title = fields.Title.Trim(), fields.Content, fields.ContentWarning, ApId = (string?)null, Origin = "local",
            CreatedAt = now, Now = now, EditedAt = (DateTimeOffset?)null,
        }, tx);
        return id;
    }

    /// <summary>Stores a remote <paramref name="post"/> as a thread of <paramref name="groupId"/>; false when we hold it already.</summary>
    public async Task<bool> InsertRemoteThreadAsync(DbConnection c, DbTransaction tx, Guid groupId, NewRemotePost post)
    {
        ArgumentNullException.ThrowIfNull(post);
        return await c.ExecuteAsync(InsertThread, new
        {
            Id = Ids.New(time), GroupId = groupId, AuthorId = (Guid?)null, RemoteAuthor = post.Author.AbsoluteUri, RemoteAuthorName = post.AuthorName,
            post.Fields.Title, post.Fields.Content, post.Fields.ContentWarning, ApId = post.ApId.AbsoluteUri, Origin = Hosts.Authority(post.ApId),
            post.CreatedAt, Now = time.GetUtcNow(), post.EditedAt,
        }, tx) > 0;
    }

    private const string InsertReply = """
        INSERT INTO replies (id, thread_id, in_reply_to, root_id, depth, author_id, remote_author, remote_author_name, content, content_warning, ap_id, origin, created_at, updated_at, edited_at)
        VALUES (@Id, @ThreadId, @InReplyTo, @RootId, @Depth, @AuthorId, @RemoteAuthor, @RemoteAuthorName, @Content, @ContentWarning, @ApId, @Origin, @CreatedAt, @Now, @EditedAt)
        ON CONFLICT (ap_id) DO NOTHING
        """;

    // "Answered": someone other than the thread's author has replied, whether either of them is local (author_id) or
    // remote (remote_author). The one definition, used when a reply is counted and when a deletion recounts.
    private const string OtherThanThreadAuthor = """
        NOT (COALESCE(threads.author_id = {author}, FALSE) OR COALESCE(threads.remote_author = {remote}, FALSE))
        """;

    // With @openOnly = 1 a locked or deleted thread takes no reply: checked here, in the transaction, so a reply cannot
    // slip in as a moderator locks the thread.
    private static readonly string Count = $"""
        UPDATE threads SET reply_count = reply_count + 1,
            answered_at = CASE WHEN answered_at IS NULL AND {OtherThanThreadAuthor.Replace("{author}", "@authorId").Replace("{remote}", "@remoteAuthor").Trim()} THEN @now ELSE answered_at END
        WHERE id = @threadId AND (@openOnly = 0 OR (locked_at IS NULL AND deleted_at IS NULL AND removed_at IS NULL))
        """;

    private static readonly string Recount = $"""
        UPDATE threads SET reply_count = CASE WHEN reply_count > 0 THEN reply_count - 1 ELSE 0 END,
            answered_at = (SELECT MIN(r.created_at) FROM replies r
                           WHERE r.thread_id = threads.id AND r.deleted_at IS NULL AND r.removed_at IS NULL
                             AND {OtherThanThreadAuthor.Replace("{author}", "r.author_id").Replace("{remote}", "r.remote_author").Trim()})
        WHERE id = @threadId
        """;

    private const string Unstore = "DELETE FROM replies WHERE id = @id";

    /// <summary>
    /// A local member's reply to <paramref name="parent"/> (null: to the thread). Counts it on the thread, takes the
    /// thread off "waiting for a reply" unless its author answers themselves, and notifies the authors of the thread and
    /// of the post answered. A locked or deleted thread refuses it (<see cref="ReplyOutcome.ThreadClosed"/>).
    /// </summary>
    public async Task<(ReplyOutcome Outcome, Guid Id, DateTimeOffset At)> ReplyAsync(DbConnection c, DbTransaction tx, Guid groupId, Guid threadId,
        Guid? threadAuthorId, StoredPost? parent, Guid authorId, PostFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var id = Ids.New(time);
        var now = time.GetUtcNow();
        var place = Place(threadId, parent, id);
        if (await c.ExecuteAsync(Count, new { threadId, authorId = (Guid?)authorId, remoteAuthor = (string?)null, now, openOnly = 1 }, tx) == 0)
        {
            return (ReplyOutcome.ThreadClosed, id, now);
        }

        await c.ExecuteAsync(InsertReply, new
        {
            Id = id, place.ThreadId, place.InReplyTo, place.RootId, place.Depth, AuthorId = (Guid?)authorId, RemoteAuthor = (string?)null,
            RemoteAuthorName = (string?)null, fields.Content, fields.ContentWarning, ApId = (string?)null, Origin = "local",
            CreatedAt = now, Now = now, EditedAt = (DateTimeOffset?)null,
        }, tx);
        await NotifyReplyAsync(c, tx, groupId, threadId, id, [threadAuthorId, parent?.AuthorId], authorId);
        return (ReplyOutcome.Stored, id, now);
    }

    /// <summary>
    /// Stores a remote <paramref name="post"/> as a reply to <paramref name="parent"/>, by the same rules as a local reply.
    /// With <paramref name="openThreadsOnly"/> a locked or deleted thread refuses it.
    /// </summary>
    public async Task<ReplyOutcome> InsertRemoteReplyAsync(DbConnection c, DbTransaction tx, StoredPost parent, NewRemotePost post, bool openThreadsOnly)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(post);
        var id = Ids.New(time);
        var now = time.GetUtcNow();
        var place = Place(parent.ThreadId, parent.IsThread ? null : parent, id);
        var inserted = await c.ExecuteAsync(InsertReply, new
        {
            Id = id, place.ThreadId, place.InReplyTo, place.RootId, place.Depth, AuthorId = (Guid?)null, RemoteAuthor = post.Author.AbsoluteUri,
            RemoteAuthorName = post.AuthorName, post.Fields.Content, post.Fields.ContentWarning, ApId = post.ApId.AbsoluteUri,
            Origin = Hosts.Authority(post.ApId), post.CreatedAt, Now = now, post.EditedAt,
        }, tx);
        if (inserted == 0)
        {
            return ReplyOutcome.AlreadyStored;
        }

        var counted = await c.ExecuteAsync(Count, new
        {
            threadId = parent.ThreadId, authorId = (Guid?)null, remoteAuthor = post.Author.AbsoluteUri, now, openOnly = openThreadsOnly ? 1 : 0,
        }, tx);
        if (counted == 0)
        {
            await c.ExecuteAsync(Unstore, new { id }, tx);
            return ReplyOutcome.ThreadClosed;
        }

        // Our members hear when someone elsewhere answers them, as they do for local replies.
        await NotifyReplyAsync(c, tx, parent.GroupId, parent.ThreadId, id, [parent.ThreadAuthorId, parent.AuthorId], actorId: null, actorName: post.AuthorName);
        return ReplyOutcome.Stored;
    }

    private static ReplyPlacement Place(Guid threadId, StoredPost? parent, Guid id) => parent is null
        ? new ReplyPlacement(threadId, null, id, 0)
        : new ReplyPlacement(threadId, parent.Id, parent.RootId, parent.Depth + 1);

    /// <summary>One notification per person answered, never to the one who answered; someone on another server is named
    /// as <c>name@host</c> (<paramref name="actorName"/>).</summary>
    private async Task NotifyReplyAsync(DbConnection c, DbTransaction tx, Guid groupId, Guid threadId, Guid replyId, Guid?[] answered, Guid? actorId,
        string? actorName = null)
    {
        foreach (var userId in answered.OfType<Guid>().Distinct().Where(u => u != actorId))
        {
            await notifications.AddAsync(c, tx, userId, NotificationKinds.Reply, groupId, threadId, replyId, actorId, actorName: actorName);
        }
    }

    private const string EditThread = """
        UPDATE threads SET title = @Title, content = @Content, content_warning = @ContentWarning, edited_at = @At, updated_at = @At
        WHERE id = @Id AND deleted_at IS NULL AND removed_at IS NULL
        """;

    private const string EditReply = """
        UPDATE replies SET content = @Content, content_warning = @ContentWarning, edited_at = @At, updated_at = @At
        WHERE id = @Id AND deleted_at IS NULL AND removed_at IS NULL
        """;

    /// <summary>New words for a post (a thread's title with them); false when it is deleted or removed by moderators: edits
    /// never bring a post back.</summary>
    public async Task<bool> EditAsync(DbConnection c, DbTransaction tx, Guid id, bool isThread, PostFields fields, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return await c.ExecuteAsync(isThread ? EditThread : EditReply, new
        {
            Id = id, Title = fields.Title.Trim(), fields.Content, fields.ContentWarning, At = at ?? time.GetUtcNow(),
        }, tx) > 0;
    }

    private const string EraseThread = """
        UPDATE threads SET title = '', content = '', content_warning = NULL, deleted_at = @at, updated_at = @at WHERE id = @id AND deleted_at IS NULL
        """;

    private const string EraseReply = """
        UPDATE replies SET content = '', content_warning = NULL, deleted_at = @at, updated_at = @at WHERE id = @id AND deleted_at IS NULL
        """;

    /// <summary>
    /// Erases a post: the words go at once, the row stays as a placeholder ("This reply was deleted") so the answers
    /// around it still make sense. A reply also leaves its thread's count, and if it was the only answer the thread is
    /// waiting for a reply again. False when it was deleted already.
    /// </summary>
    public async Task<bool> EraseAsync(DbConnection c, DbTransaction tx, Guid id, Guid threadId, bool isThread)
    {
        if (await c.ExecuteAsync(isThread ? EraseThread : EraseReply, new { id, at = time.GetUtcNow() }, tx) == 0)
        {
            return false;
        }

        if (!isThread)
        {
            await c.ExecuteAsync(Recount, new { threadId }, tx);
        }

        return true;
    }

    private const string Moderate = """
        UPDATE threads SET
            pinned_at = CASE WHEN @setPinned = 1 THEN (CASE WHEN @pin = 1 THEN COALESCE(pinned_at, @at) END) ELSE pinned_at END,
            locked_at = CASE WHEN @setLocked = 1 THEN (CASE WHEN @lock = 1 THEN COALESCE(locked_at, @at) END) ELSE locked_at END,
            updated_at = @at
        WHERE id = @id
        """;

    /// <summary>Pins (shown first) or locks (no new replies) a thread; null leaves a setting as it is, and pinning or
    /// locking again keeps the time it was first done.</summary>
    public Task PinOrLockAsync(DbConnection c, DbTransaction tx, Guid threadId, bool? pinned, bool? locked) =>
        c.ExecuteAsync(Moderate, new
        {
            id = threadId,
            setPinned = pinned is null ? 0 : 1,
            pin = pinned == true ? 1 : 0,
            setLocked = locked is null ? 0 : 1,
            @lock = locked == true ? 1 : 0,
            at = time.GetUtcNow(),
        }, tx);

    private const string HideThread = "UPDATE threads SET hidden_at = @at WHERE id = @id AND hidden_at IS NULL AND deleted_at IS NULL";
    private const string HideReply = "UPDATE replies SET hidden_at = @at WHERE id = @id AND hidden_at IS NULL AND deleted_at IS NULL";

    /// <summary>The reports safety net: hides a thread or reply (<paramref name="id"/>, either) from readers until a moderator
    /// has looked at it. False when it was hidden already or is deleted.</summary>
    public async Task<bool> HideAsync(DbConnection c, DbTransaction tx, Guid id)
    {
        var at = time.GetUtcNow();
        return await c.ExecuteAsync(HideThread, new { id, at }, tx) + await c.ExecuteAsync(HideReply, new { id, at }, tx) > 0;
    }

    private const string ShowThread = "UPDATE threads SET hidden_at = NULL WHERE id = @id AND hidden_at IS NOT NULL";
    private const string ShowReply = "UPDATE replies SET hidden_at = NULL WHERE id = @id AND hidden_at IS NOT NULL";

    /// <summary>A moderator has reviewed the reports: the post is shown again (removing it is a separate decision).</summary>
    public async Task<bool> UnhideAsync(DbConnection c, DbTransaction tx, Guid id) =>
        await c.ExecuteAsync(ShowThread, new { id }, tx) + await c.ExecuteAsync(ShowReply, new { id }, tx) > 0;
    private const string RemoveThread = """
        UPDATE threads SET removed_at = @at, removed_by = @by, removal_reason = @reason, removal_public = @shown, updated_at = @at
        WHERE id = @id AND removed_at IS NULL AND deleted_at IS NULL
        """;

    private const string RemoveReply = """
        UPDATE replies SET removed_at = @at, removed_by = @by, removal_reason = @reason, removal_public = @shown, updated_at = @at
        WHERE id = @id AND removed_at IS NULL AND deleted_at IS NULL
        """;

    /// <summary>
    /// Moderators remove a post: its words stay (for its author, and to restore it) but members see "Removed by
    /// moderators" instead, with <paramref name="reason"/> when <paramref name="reasonShown"/>. A removed reply leaves
    /// its thread's count and "answered" like a deleted one. <paramref name="by"/> is the moderator's user id or actor id.
    /// False when it is removed or deleted already.
    /// </summary>
    public async Task<bool> RemoveAsync(DbConnection c, DbTransaction tx, StoredPost post, string by, string? reason, bool reasonShown, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(post);
        var removed = await c.ExecuteAsync(post.IsThread ? RemoveThread : RemoveReply, new
        {
            id = post.Id, at = at ?? time.GetUtcNow(), by, reason, shown = reasonShown ? 1 : 0,
        }, tx) > 0;
        if (removed && !post.IsThread)
        {
            await c.ExecuteAsync(Recount, new { threadId = post.ThreadId }, tx);
        }

        return removed;
    }

    private const string RestoreThread = """
        UPDATE threads SET removed_at = NULL, removed_by = NULL, removal_reason = NULL, removal_public = 0, updated_at = @at
        WHERE id = @id AND removed_at IS NOT NULL
        """;

    private const string RestoreReply = """
        UPDATE replies SET removed_at = NULL, removed_by = NULL, removal_reason = NULL, removal_public = 0, updated_at = @at
        WHERE id = @id AND removed_at IS NOT NULL
        """;

    private static readonly string Recounted = $"""
        UPDATE threads SET reply_count = reply_count + 1,
            answered_at = (SELECT MIN(r.created_at) FROM replies r
                           WHERE r.thread_id = threads.id AND r.deleted_at IS NULL AND r.removed_at IS NULL
                             AND {OtherThanThreadAuthor.Replace("{author}", "r.author_id").Replace("{remote}", "r.remote_author").Trim()})
        WHERE id = @threadId
        """;

    /// <summary>Moderators restore a removed post: shown again, counted again. False when it was not removed.</summary>
    public async Task<bool> RestoreAsync(DbConnection c, DbTransaction tx, StoredPost post)
    {
        ArgumentNullException.ThrowIfNull(post);
        var restored = await c.ExecuteAsync(post.IsThread ? RestoreThread : RestoreReply, new { id = post.Id, at = time.GetUtcNow() }, tx) > 0;
        if (restored && !post.IsThread)
        {
            await c.ExecuteAsync(Recounted, new { threadId = post.ThreadId }, tx);
        }

        return restored;
    }

    private const string RemoveLocalAuthorsThreads = """
        UPDATE threads SET removed_at = @at, removed_by = @by, removal_reason = @reason, removal_public = 0, updated_at = @at
        WHERE group_id = @groupId AND author_id = @userId AND removed_at IS NULL AND deleted_at IS NULL
        """;

    private const string RemoveRemoteAuthorsThreads = """
        UPDATE threads SET removed_at = @at, removed_by = @by, removal_reason = @reason, removal_public = 0, updated_at = @at
        WHERE group_id = @groupId AND remote_author = @actor AND removed_at IS NULL AND deleted_at IS NULL
        """;

    private const string RemoveLocalAuthorsReplies = """
        UPDATE replies SET removed_at = @at, removed_by = @by, removal_reason = @reason, removal_public = 0, updated_at = @at
        WHERE author_id = @userId AND removed_at IS NULL AND deleted_at IS NULL
            AND thread_id IN (SELECT id FROM threads WHERE group_id = @groupId)
        """;

    private const string RemoveRemoteAuthorsReplies = """
        UPDATE replies SET removed_at = @at, removed_by = @by, removal_reason = @reason, removal_public = 0, updated_at = @at
        WHERE remote_author = @actor AND removed_at IS NULL AND deleted_at IS NULL
            AND thread_id IN (SELECT id FROM threads WHERE group_id = @groupId)
        """;

    private static readonly string RecountGroup = $"""
        UPDATE threads SET
            reply_count = (SELECT COUNT(*) FROM replies r WHERE r.thread_id = threads.id AND r.deleted_at IS NULL AND r.removed_at IS NULL),
            answered_at = (SELECT MIN(r.created_at) FROM replies r
                           WHERE r.thread_id = threads.id AND r.deleted_at IS NULL AND r.removed_at IS NULL
                             AND {OtherThanThreadAuthor.Replace("{author}", "r.author_id").Replace("{remote}", "r.remote_author").Trim()})
        WHERE group_id = @groupId
        """;

    /// <summary>A ban that removes the member's content: every thread and reply of theirs in the group is removed (as a
    /// moderator removes one), and the group's threads are counted again. Returns how many posts were removed.</summary>
    public async Task<int> RemoveAllByAsync(DbConnection c, DbTransaction tx, Guid groupId, Guid? userId, Uri? actor, string by, string? reason)
    {
        var args = new { groupId, userId, actor = actor?.AbsoluteUri, by, reason, at = time.GetUtcNow() };
        var removed = userId is not null
            ? await c.ExecuteAsync(RemoveLocalAuthorsThreads, args, tx) + await c.ExecuteAsync(RemoveLocalAuthorsReplies, args, tx)
            : actor is not null ? await c.ExecuteAsync(RemoveRemoteAuthorsThreads, args, tx) + await c.ExecuteAsync(RemoveRemoteAuthorsReplies, args, tx) : 0;
        if (removed > 0)
        {
            await c.ExecuteAsync(RecountGroup, new { groupId }, tx);
        }

        return removed;
    }
}
