using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kindred.ActivityPub.Json;
using Kindred.Server.Federation;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.GroupFederation;

/// <summary>Nothing from another server vanishes without a trace: what the inbox ignores is counted for admins (issue 16).</summary>
public abstract class DroppedActivityTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private GroupFedRig Rig => new(fixture.Server);

    private static JsonObject Post(FakeRemote author, Uri group, string type, string content, Uri? inReplyTo = null) =>
        ActivityJson.Create(new Uri($"{author.Origin}activities/{Guid.NewGuid():N}"), new PostDocument
        {
            Type = type, Id = new Uri($"{author.Origin}objects/{Guid.NewGuid():N}"), AttributedTo = author.ActorId, Name = "A title", ContentHtml = content,
            InReplyTo = inReplyTo, Audience = group, To = [group], Cc = [new Uri("https://www.w3.org/ns/activitystreams#Public")], Published = DateTimeOffset.UtcNow,
        });

    [Fact]
    public async Task Ignored_activities_are_counted_by_server_type_and_reason_for_admins_only()
    {
        var rig = Rig;
        using var outsider = new FakeRemote("outsider");
        using var member = new FakeRemote("member");
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var group = rig.GroupId(slug);
        await rig.FollowAsync(member, slug);

        // A non-member's post, twice; a Mobilizon-style Event (shown) and a Document (not); a Move (a type we do not handle); a reply to a post we never saw.
        await rig.DeliverAsync(outsider, Post(outsider, group, "Page", "<p>hello</p>"));
        await rig.DeliverAsync(outsider, Post(outsider, group, "Page", "<p>hello again</p>"));
        await rig.DeliverAsync(member, Post(member, group, "Event", "<p>Meet-up on Friday</p>"));
        await rig.DeliverAsync(member, Post(member, group, "Document", "<p>A file</p>"));
        await rig.DeliverAsync(outsider, new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{outsider.Origin}activities/move", ["type"] = "Move",
            ["actor"] = outsider.ActorId.AbsoluteUri, ["object"] = outsider.ActorId.AbsoluteUri, ["target"] = "https://elsewhere.example/users/outsider",
            // Addressed to our group, so it concerns someone here and is stored (a stranger's activity for no one here is
            // answered 202 and counted by the inbox without being stored: InboxRelevance).
            ["to"] = group.AbsoluteUri,
        });
        await rig.DeliverAsync(member, Post(member, group, "Note", "<p>me too</p>", inReplyTo: new Uri($"{member.Origin}objects/never-seen")));
        // Invented types are counted together, so a sender cannot grow the table by inventing them.
        foreach (var invented in new[] { "Xyzzy1", "Xyzzy2" })
        {
            await rig.DeliverAsync(outsider, new JsonObject
            {
                ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{outsider.Origin}activities/{invented}", ["type"] = invented,
                ["actor"] = outsider.ActorId.AbsoluteUri, ["object"] = outsider.ActorId.AbsoluteUri, ["to"] = group.AbsoluteUri,
            });
        }

        using var session = fixture.Server.NewSession();
        var memberToken = await Accounts.TokenAsync(fixture.Server, await Accounts.RegisterAsync(fixture.Server));
        Assert.Equal(HttpStatusCode.Forbidden, (await session.GetWithTokenAsync("/api/v1/admin/federation/dropped", memberToken)).StatusCode);

        var response = await session.GetWithTokenAsync("/api/v1/admin/federation/dropped", owner.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("dropped").EnumerateArray()
            .Select(r => (Server: r.GetProperty("server").GetString(), Type: r.GetProperty("activityType").GetString(), Reason: r.GetProperty("reason").GetString(), Count: r.GetProperty("count").GetInt64()))
            .ToList();
        var outsiderHost = Hosts.Authority(outsider.ActorId);
        var memberHost = Hosts.Authority(member.ActorId);
        Assert.Contains((outsiderHost, "Create(Page)", "not a member", 2L), rows);
        // An Event is shown as a thread now (issue 16); a bare Document is not a post.
        Assert.DoesNotContain(rows, r => r.Type == "Create(Event)");
        Assert.Contains((memberHost, "Create(Document)", "unsupported object", 1L), rows);
        Assert.Contains((outsiderHost, "Move", "unknown type", 1L), rows);
        Assert.Contains((memberHost, "Create(Note)", "no parent", 1L), rows);
        Assert.Contains((outsiderHost, "(other)", "unknown type", 2L), rows);

        var page = await owner.Web.GetAsync("/admin/federation/dropped");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var row = page.Document.QuerySelectorAll("table.dropped tbody tr").Single(r => r.TextContent.Contains(outsiderHost, StringComparison.Ordinal) && r.TextContent.Contains("not a member", StringComparison.Ordinal));
        Assert.Equal("2", row.QuerySelector(".count")!.TextContent.Trim());
    }

    [Fact]
    public async Task The_last_few_bodies_are_kept_per_server_and_reason_for_admins()
    {
        var rig = Rig;
        using var outsider = new FakeRemote("outsider");
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var group = rig.GroupId(slug);
        var sent = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var post = Post(outsider, group, "Page", $"<p>sample {i}</p>");
            sent.Add((string)post["id"]!);
            await rig.DeliverAsync(outsider, post);
        }

        using var session = fixture.Server.NewSession();
        var response = await session.GetWithTokenAsync("/api/v1/admin/federation/dropped", owner.Token);
        var samples = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("samples").EnumerateArray()
            .Where(x => x.GetProperty("server").GetString() == Hosts.Authority(outsider.ActorId) && x.GetProperty("reason").GetString() == "not a member")
            .ToList();
        // The newest three, as received.
        Assert.Equal(sent.TakeLast(3).Reverse(), samples.Select(x => x.GetProperty("activityId").GetString()));
        Assert.Contains("sample 4", samples[0].GetProperty("body").GetString(), StringComparison.Ordinal);

        var page = await owner.Web.GetAsync("/admin/federation/dropped");
        Assert.Contains("sample 4", string.Join("\n", page.Document.QuerySelectorAll("details.dropped-sample pre").Select(p => p.TextContent)), StringComparison.Ordinal);
    }
}

public sealed class DroppedActivityTestsOnSqlite(FederatedSqliteServer f) : DroppedActivityTests<FederatedSqliteServer>(f);

public sealed class DroppedActivityTestsOnPostgres(FederatedPostgresServer f) : DroppedActivityTests<FederatedPostgresServer>(f);
