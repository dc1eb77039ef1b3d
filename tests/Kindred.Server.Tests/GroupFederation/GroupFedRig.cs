using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Data;
using Kindred.Server.Federation;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.GroupFederation;

/// <summary>Groups with a federation setting, remote actors joining them, and the delivery jobs that come out.</summary>
public sealed class GroupFedRig(KindredTestServer server)
{
    public GroupRig Groups { get; } = new(server);
    public KindredTestServer Server => server;
    public Uri SharedInbox => new(server.BaseAddress, "/inbox");

    public Uri GroupId(string slug) => server.Get<ActorUrls>().Group(slug);

    public async Task<string> GroupAsync(GroupRig.Person owner, string visibility = "public", string joinPolicy = "open", string federation = "federated")
    {
        var slug = GroupRig.Slug("fed");
        await Groups.JsonAsync(HttpMethod.Post, "/api/v1/groups", owner.Token, new
        {
            slug, name = "Group " + slug, description = "A place to talk.", rules = "Be kind.", visibility, joinPolicy, federation,
        }, HttpStatusCode.Created);
        return slug;
    }

    /// <summary>Posts a signed activity and waits until the inbox worker has handled it.</summary>
    public async Task DeliverAsync(FakeRemote remote, JsonObject activity)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostSignedAsync(SharedInbox, activity)).StatusCode);
        await using var c = await OpenAsync();
        await Waiting.ForRowAsync(c, "SELECT COUNT(*) FROM inbox_activities WHERE activity_id = @id AND status = 'done'", new { id = (string)activity["id"]! });
    }

    public async Task<JsonObject> FollowAsync(FakeRemote remote, string slug)
    {
        var follow = remote.Follow(GroupId(slug));
        await DeliverAsync(remote, follow);
        return follow;
    }

    public async Task<System.Data.Common.DbConnection> OpenAsync() => await server.Get<Database>().OpenAsync();

    /// <summary>Queued bodies signed by <paramref name="actor"/>, optionally only those to <paramref name="inbox"/>.</summary>
    public async Task<List<string>> JobsAsync(Uri actor, Uri? inbox = null)
    {
        await using var c = await OpenAsync();
        var sql = "SELECT body FROM delivery_jobs WHERE actor_id = @actor" + (inbox is null ? "" : " AND inbox_url = @inbox") + " ORDER BY id";
        var rows = await c.QueryAsync<string>(sql, new { actor = actor.AbsoluteUri, inbox = inbox?.AbsoluteUri ?? "" });
        return rows.ToList();
    }

    public async Task<string?> MemberStateAsync(string slug, Uri actor)
    {
        await using var c = await OpenAsync();
        return await c.QuerySingleOrDefaultAsync<string?>(
            "SELECT m.state FROM remote_members m JOIN groups g ON g.id = m.group_id WHERE g.slug_normalized = @slug AND m.actor_id = @actor",
            new { slug, actor = actor.AbsoluteUri });
    }

    /// <summary>What a moderator inviting a remote actor will do (no UI for that yet): the actor's Follow is then accepted.</summary>
    public async Task InviteRemoteAsync(string slug, Uri actor)
    {
        await using var c = await OpenAsync();
        await c.ExecuteAsync(
            "INSERT INTO remote_members (id, group_id, actor_id, state, created_at) SELECT @id, id, @actor, 'invited', created_at FROM groups WHERE slug_normalized = @slug",
            new { id = Guid.NewGuid(), actor = actor.AbsoluteUri, slug });
    }

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    public static string Serialize(JsonObject o) => JsonOutput.Serialize(o);
}
