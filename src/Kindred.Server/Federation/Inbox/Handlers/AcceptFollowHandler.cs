using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Accept(Follow) from a remote group (ActivityPub §7.7): the member's follow becomes 'joined' and they become a
/// member here, so reading and replying work as in local groups. Only the group that was followed can accept, and
/// only a Follow we sent (matched by its id, or by member and group when the Follow is embedded without one).
/// </summary>
public sealed class AcceptFollowHandler(Database db, LocalActors local, TimeProvider time, ILogger<AcceptFollowHandler> logger)
{
    private const string ById = """
        UPDATE remote_group_follows SET state = 'joined', updated_at = @now
        WHERE follow_activity_id = @followId AND group_id = @groupId
        RETURNING user_id
        """;

    private const string ByMember = """
        UPDATE remote_group_follows SET state = 'joined', updated_at = @now
        WHERE group_id = @groupId AND user_id = @userId AND state = 'pending'
        RETURNING user_id
        """;

    private const string AddMember = """
        INSERT INTO group_members (group_id, user_id, role, label, joined_at) VALUES (@groupId, @userId, 'member', NULL, @now)
        ON CONFLICT (group_id, user_id) DO NOTHING
        """;

    public async Task HandleAsync(AsActivity accept, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var member = accept.InnerActivity?.Actor is { } a ? await local.FindPersonAsync(a, ct) : null;
        var changed = await db.InTransactionAsync(async (c, tx) =>
        {
            if (await RemoteGroupStore.FindByApIdAsync(c, tx, accept.Actor!) is not { } group)
            {
                return 0;
            }

            var joined = accept.Object?.Id is { } followId
                ? (await c.QueryAsync<Guid>(ById, new { followId = followId.AbsoluteUri, groupId = group.Id, now }, tx)).ToList()
                : [];
            if (joined.Count == 0 && member is not null && accept.InnerActivity?.Object?.Id == group.ActorId)
            {
                joined = (await c.QueryAsync<Guid>(ByMember, new { groupId = group.Id, userId = member.UserId, now }, tx)).ToList();
            }

            foreach (var userId in joined)
            {
                await c.ExecuteAsync(AddMember, new { groupId = group.Id, userId, now }, tx);
            }

            return joined.Count;
        }, ct);
        logger.LogInformation("Accept {Id} from {Group}: {Count} follow(s) joined", accept.Id, accept.Actor, changed);
    }
}
