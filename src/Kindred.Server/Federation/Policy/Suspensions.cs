using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Policy;

/// <summary>
/// What a suspension cuts at once, after the block is committed: deliveries queued for the domain are cancelled (never
/// retried); its actors stop being members of our groups (through <see cref="MemberStore"/>, the table's owner); our
/// members leave the groups hosted there. The Undo each leave records goes through the outbox like any other, and the
/// delivery queue drops it (the policy forbids all contact with a suspended server), so nothing more reaches it.
/// Whatever is still sent or received afterwards is refused at the door by <see cref="FederationPolicy"/>.
/// </summary>
public sealed class Suspensions(Database db, DeliveryCancellation deliveries, MemberStore members, ActorUrls urls, ILogger<Suspensions> log)
{
    public const string CancelledReason = "cancelled: the domain is suspended by the federation policy";

    private const string RemoteMemberActors = "SELECT DISTINCT actor_id FROM remote_members WHERE actor_id LIKE @Like";

    private const string FollowsThere = """
        SELECT f.group_id AS GroupId, f.user_id AS UserId, u.username AS Username, g.ap_id AS GroupApId
        FROM remote_group_follows f JOIN groups g ON g.id = f.group_id JOIN users u ON u.id = f.user_id
        WHERE g.origin <> 'local' AND g.ap_id LIKE @Like
        """;

    private sealed class FollowRow
    {
        public Guid GroupId { get; init; }
        public Guid UserId { get; init; }
        public string Username { get; init; } = "";
        public string GroupApId { get; init; } = "";
    }

    public async Task ApplyAsync(IReadOnlyCollection<string> domains, CancellationToken ct)
    {
        if (domains.Count == 0)
        {
            return;
        }

        var matcher = new DomainMatcher<string>(domains.Select(d => (d, d)));
        bool Cut(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) && matcher.Find(u.IdnHost.ToLowerInvariant()) is not null;

        var cancelled = await deliveries.CancelAsync(h => matcher.Find(DomainPattern.HostOf(h)) is not null, CancelledReason, ct);
        var (removed, left) = (0, 0);
        foreach (var domain in domains)
        {
            var like = "%" + (domain.StartsWith("*.", StringComparison.Ordinal) ? domain[2..] : domain) + "%";
            var (r, l) = await db.InTransactionAsync(async (c, tx) =>
            {
                var actors = (await c.QueryAsync<string>(new CommandDefinition(RemoteMemberActors, new { Like = like }, tx, cancellationToken: ct))).Where(Cut).ToList();
                var count = 0;
                foreach (var actor in actors)
                {
                    count += await MemberStore.ForgetRemoteActorAsync(c, tx, new Uri(actor));
                }

                var follows = (await c.QueryAsync<FollowRow>(new CommandDefinition(FollowsThere, new { Like = like }, tx, cancellationToken: ct))).Where(f => Cut(f.GroupApId)).ToList();
                foreach (var f in follows)
                {
                    await members.LeaveRemoteAsync(c, tx, f.GroupId, f.UserId, urls.User(f.Username), ct);
                }

                return (count, follows.Count);
            }, ct);
            removed += r;
            left += l;
        }

        log.LogInformation("Suspended {Domains}: cancelled {Cancelled} queued deliveries, removed {Removed} remote memberships, ended {Left} follows of groups there",
            string.Join(", ", domains), cancelled, removed, left);
    }
}
