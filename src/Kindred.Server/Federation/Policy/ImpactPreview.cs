using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Federation.Delivery;

namespace Kindred.Server.Federation.Policy;

/// <summary>What a block would cut, shown before it is saved.</summary>
public sealed record BlockImpact(string Domain, long Members, long Follows, long Groups, long Followers, long QueuedDeliveries);

/// <summary>
/// Counts what a suspension of a domain (a host name with its subdomains, or <c>*.suffix</c>) would cut: remote members
/// of our groups, our members' follows of groups hosted there, those groups, followers of our actors, and deliveries
/// waiting for it. Read only; the candidate rows are narrowed in SQL by the domain text, then matched exactly here.
/// </summary>
public sealed class ImpactPreview(Database db, DeliveryCancellation deliveries)
{
    private const string RemoteMembers = "SELECT actor_id FROM remote_members WHERE actor_id LIKE @Like";
    private const string RemoteGroups = "SELECT ap_id FROM groups WHERE origin <> 'local' AND ap_id LIKE @Like";
    private const string Follows = """
        SELECT g.ap_id FROM remote_group_follows f JOIN groups g ON g.id = f.group_id
        WHERE g.origin <> 'local' AND g.ap_id LIKE @Like AND f.state <> 'rejected'
        """;
    private const string Followers = "SELECT follower_id FROM remote_followers WHERE follower_id LIKE @Like";

    public async Task<BlockImpact> PreviewAsync(string domain, CancellationToken ct)
    {
        var matcher = new DomainMatcher<string>([(domain, domain)]);
        bool Cut(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) && matcher.Find(u.IdnHost.ToLowerInvariant()) is not null;
        var like = "%" + (domain.StartsWith("*.", StringComparison.Ordinal) ? domain[2..] : domain).Replace("%", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal) + "%";
        await using var c = await db.OpenAsync(ct);
        async Task<long> CountAsync(string sql) =>
            (await c.QueryAsync<string>(new CommandDefinition(sql, new { Like = like }, cancellationToken: ct))).LongCount(Cut);

        var members = await CountAsync(RemoteMembers);
        var follows = await CountAsync(Follows);
        var groups = await CountAsync(RemoteGroups);
        var followers = await CountAsync(Followers);
        var queued = await deliveries.CountQueuedAsync(h => matcher.Find(DomainPattern.HostOf(h)) is not null, ct);
        return new BlockImpact(domain, members, follows, groups, followers, queued);
    }
}
