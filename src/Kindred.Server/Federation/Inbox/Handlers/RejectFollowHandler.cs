using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Reject(Follow) from a remote group (ActivityPub §7.8): the member's follow becomes 'rejected' and they are no longer
/// a member here (a group may also reject later, e.g. when it bans someone). Matched like <see cref="AcceptFollowHandler"/>.
/// </summary>
public sealed class RejectFollowHandler(Database db, LocalActors local, TimeProvider time, ILogger<RejectFollowHandler> logger)
{
    private const string Rejected = """
        UPDATE remote_group_follows SET state = 'rejected', updated_at = @now
        WHERE group_id = @groupId AND (follow_activity_id = @followId OR user_id = @userId)
        RETURNING user_id
        """;

    private const string RemoveMember = "DELETE FROM group_members WHERE group_id = @groupId AND user_id = @userId";

    public async Task HandleAsync(AsActivity reject, CancellationToken ct)
    {
        var member = reject.InnerActivity?.Actor is { } a ? await local.FindPersonAsync(a, ct) : null;
        var changed = await db.InTransactionAsync(async (c, tx) =>
        {
            if (await RemoteGroupStore.FindByApIdAsync(c, tx, reject.Actor!) is not { } group)
            {
                return 0;
            }

            // Matching by member only when the embedded Follow names this group.
            var userId = member is not null && reject.InnerActivity?.Object?.Id == group.ActorId ? member.UserId : Guid.Empty;
            var users = (await c.QueryAsync<Guid>(Rejected, new
            {
                groupId = group.Id, followId = reject.Object?.Id?.AbsoluteUri ?? "", userId, now = time.GetUtcNow(),
            }, tx)).ToList();
            foreach (var u in users)
            {
                await c.ExecuteAsync(RemoveMember, new { groupId = group.Id, userId = u }, tx);
            }

            return users.Count;
        }, ct);
        logger.LogInformation("Reject {Id} from {Group}: {Count} follow(s) rejected", reject.Id, reject.Actor, changed);
    }
}
