using System.Data.Common;
using Dapper;
using Kindred.Server.Features.Notifications;
using Kindred.Server.Features.Threads;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Moderation;

/// <summary>
/// Moderation by the moderators of a group hosted elsewhere, applied here once Federation has checked who sent it (the
/// group's home vouches for its moderators by Announcing their actions). The same rules as our own moderators'
/// actions: <see cref="PostStore"/> writes the post, the log records it (with the remote moderator's name), and a local
/// author is told without the moderator being named. Runs on the caller's transaction.
/// </summary>
public sealed class RemoteModeration(PostStore posts, ModerationLog log, Notifications.Notifications notifications)
{
    private const string Label = """
        SELECT COALESCE(t.title, '') FROM threads t WHERE t.id = @threadId
        """;

    /// <summary>Removes <paramref name="post"/>; false when it was removed or deleted already.</summary>
    public async Task<bool> RemoveAsync(DbConnection c, DbTransaction tx, StoredPost post, Uri moderator, string? reason)
    {
        ArgumentNullException.ThrowIfNull(post);
        ArgumentNullException.ThrowIfNull(moderator);
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (reason?.Length > RemovePost.MaxReasonLength)
        {
            reason = reason[..RemovePost.MaxReasonLength];
        }

        if (!await posts.RemoveAsync(c, tx, post, moderator.AbsoluteUri, reason, reasonShown: false))
        {
            return false;
        }

        await RecordAsync(c, tx, post, moderator, ModerationActions.PostRemoved, reason);
        if (post.AuthorId is { } author)
        {
            await notifications.AddAsync(c, tx, author, NotificationKinds.PostRemoved, post.GroupId, post.ThreadId, post.IsThread ? null : post.Id,
                body: reason ?? "No reason was given.");
        }

        return true;
    }

    /// <summary>Restores a removed <paramref name="post"/>; false when it was not removed.</summary>
    public async Task<bool> RestoreAsync(DbConnection c, DbTransaction tx, StoredPost post, Uri moderator)
    {
        ArgumentNullException.ThrowIfNull(post);
        if (!await posts.RestoreAsync(c, tx, post))
        {
            return false;
        }

        await RecordAsync(c, tx, post, moderator, ModerationActions.PostRestored, null);
        if (post.AuthorId is { } author)
        {
            await notifications.AddAsync(c, tx, author, NotificationKinds.PostRestored, post.GroupId, post.ThreadId, post.IsThread ? null : post.Id);
        }

        return true;
    }

    private async Task RecordAsync(DbConnection c, DbTransaction tx, StoredPost post, Uri moderator, string action, string? reason)
    {
        var title = await c.ExecuteScalarAsync<string>(Label, new { threadId = post.ThreadId }, tx);
        await log.RecordAsync(c, tx, new ModerationEntry
        {
            GroupId = post.GroupId, RemoteActor = moderator, ModeratorName = NameOf(moderator), Action = action, TargetKind = ModerationTargets.Post,
            TargetId = post.Id.ToString(), TargetLabel = $"{(post.IsThread ? "Thread" : "Reply")} in “{title}”", Reason = reason,
        });
    }

    /// <summary>name@host from an actor id's last path segment (Lemmy /u/name, Mastodon /users/name).</summary>
    public static string NameOf(Uri actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var last = actor.AbsolutePath.TrimEnd('/').Split('/').LastOrDefault() ?? "";
        return (last.Length == 0 ? "someone" : last.TrimStart('@')) + "@" + Hosts.Authority(actor);
    }
}
