using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Changes;
using Kindred.Server.Features.Notifications;
using Kindred.Server.Features.Threads;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Moderation;

/// <summary>
/// Moderators remove a post from their group, with a reason, and restore it. The words are kept (the author still sees
/// them, with the reason); members see "Removed by moderators", with the reason if the moderator chose to show it. The
/// author is told without the moderator being named, the action is logged, and other servers hear it (the moderator's
/// Delete, Announced by the group; Undo to restore). <see cref="PostStore"/> stays the one writer of posts.
/// </summary>
public sealed class RemovePost(Database db, PostStore posts, ModerationLog log, Notifications.Notifications notifications, ChangeLog changes, TimeProvider time)
{
    public const int MaxReasonLength = 500;

    private const string ModeratorName = "SELECT username FROM users WHERE id = @id";

    public async Task<Outcome<PostRef>> RemoveAsync(Guid postId, Guid moderatorId, string? reason, bool showReason, CancellationToken ct = default)
    {
        reason = reason?.Trim();
        if (string.IsNullOrEmpty(reason))
        {
            return Outcome<PostRef>.Invalid("reason", "Say why the post is removed; its author is told.");
        }

        if (reason.Length > MaxReasonLength)
        {
            return Outcome<PostRef>.Invalid("reason", $"Keep the reason to {MaxReasonLength} characters or fewer.");
        }

        return await db.InTransactionAsync(async (c, tx) =>
        {
            var found = await ModerationTarget.PostAsync(c, tx, postId, moderatorId, "remove posts");
            if (!found.Ok)
            {
                return found.As<PostRef>();
            }

            var post = found.Value!;
            var stored = await posts.FindByIdAsync(c, tx, post.Id) ?? throw new InvalidOperationException("post vanished");
            var at = time.GetUtcNow();
            if (!await posts.RemoveAsync(c, tx, stored, moderatorId.ToString(), reason, showReason, at))
            {
                return Outcome<PostRef>.Conflict("This post is removed already.");
            }

            await log.RecordAsync(c, tx, new ModerationEntry
            {
                GroupId = post.GroupId, ModeratorId = moderatorId, Action = ModerationActions.PostRemoved, TargetKind = ModerationTargets.Post,
                TargetId = post.Id.ToString(), TargetLabel = post.Label, Reason = reason, Details = showReason ? ModerationLog.ReasonShownToMembers : null,
            });
            if (post.AuthorId is { } author && author != moderatorId)
            {
                await notifications.AddAsync(c, tx, author, NotificationKinds.PostRemoved, post.GroupId, post.ThreadId,
                    post.IsThread ? null : post.Id, body: reason);
            }

            var name = await c.ExecuteScalarAsync<string>(ModeratorName, new { id = moderatorId }, tx) ?? "";
            await changes.RecordAsync(c, tx, new PostModerated(post.Id, true, name, reason, at), ct);
            return Outcome<PostRef>.Success(new PostRef(post.Id, post.ThreadId, post.IsThread));
        }, ct);
    }

    public async Task<Outcome<PostRef>> RestoreAsync(Guid postId, Guid moderatorId, CancellationToken ct = default) =>
        await db.InTransactionAsync(async (c, tx) =>
        {
            var found = await ModerationTarget.PostAsync(c, tx, postId, moderatorId, "restore posts");
            if (!found.Ok)
            {
                return found.As<PostRef>();
            }

            var post = found.Value!;
            if (post.RemovedAt is not { } removedAt)
            {
                return Outcome<PostRef>.Conflict("This post is not removed.");
            }

            var stored = await posts.FindByIdAsync(c, tx, post.Id) ?? throw new InvalidOperationException("post vanished");
            await posts.RestoreAsync(c, tx, stored);
            await log.RecordAsync(c, tx, new ModerationEntry
            {
                GroupId = post.GroupId, ModeratorId = moderatorId, Action = ModerationActions.PostRestored, TargetKind = ModerationTargets.Post,
                TargetId = post.Id.ToString(), TargetLabel = post.Label,
            });
            if (post.AuthorId is { } author && author != moderatorId)
            {
                await notifications.AddAsync(c, tx, author, NotificationKinds.PostRestored, post.GroupId, post.ThreadId, post.IsThread ? null : post.Id);
            }

            var name = await c.ExecuteScalarAsync<string>(ModeratorName, new { id = moderatorId }, tx) ?? "";
            await changes.RecordAsync(c, tx, new PostModerated(post.Id, false, name, null, removedAt), ct);
            return Outcome<PostRef>.Success(new PostRef(post.Id, post.ThreadId, post.IsThread));
        }, ct);
}
