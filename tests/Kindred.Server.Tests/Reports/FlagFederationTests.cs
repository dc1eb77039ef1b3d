using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Federation;
using Kindred.Server.Tests.GroupFederation;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Reports;

/// <summary>
/// Reports across servers (issue 12): recorded Mastodon, Mbin and Lemmy Flags land in the right group's or the admins'
/// reports, Lemmy's Resolve closes its own, and a forwarded report leaves as a Flag from the instance actor that names
/// neither the reporter nor their words.
/// </summary>
public abstract class FlagFederationTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private GroupFedRig Rig => new(fixture.Server);

    private static JsonObject Recorded(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "activitypub", "reports", name)))!.AsObject();

    /// <summary>The recorded activity as <paramref name="remote"/> would send it, about <paramref name="objects"/>.</summary>
    private static JsonObject From(FakeRemote remote, JsonObject recorded, params Uri[] objects)
    {
        recorded["actor"] = remote.ActorId.AbsoluteUri;
        recorded["id"] = $"{remote.Origin}activities/flag/{Guid.NewGuid():N}";
        recorded["object"] = recorded["object"] is JsonArray || objects.Length > 1
            ? new JsonArray(objects.Select(o => (JsonNode)JsonValue.Create(o.AbsoluteUri)!).ToArray())
            : objects[0].AbsoluteUri;
        return recorded;
    }

    private static async Task<List<JsonElement>> OpenReportsAsync(GroupRig rig, GroupRig.Person p) =>
        (await rig.JsonAsync(HttpMethod.Get, "/api/v1/reports", p.Token)).GetProperty("items").EnumerateArray().ToList();

    [Fact]
    public async Task Mastodon_Mbin_and_Lemmy_flags_reach_the_groups_moderators_or_the_admins_and_Lemmy_resolves_its_own()
    {
        var rig = Rig;
        using var mastodon = new FakeRemote("admin");
        using var mbin = new FakeRemote("benti");
        using var lemmy = new FakeRemote("lemmy_alpha");
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var moderator = await rig.Groups.MemberAsync();
        var author = await rig.Groups.MemberAsync();
        await rig.Groups.JoinAsync(moderator, slug);
        await rig.Groups.JoinAsync(author, slug);
        await rig.Groups.JsonAsync(HttpMethod.Patch, $"/api/v1/groups/{slug}/members/{moderator.Name}", owner.Token, new { role = "moderator" });
        var thread = await rig.Groups.ThreadAsync(author, slug, "Shared", "Words someone elsewhere reported.");
        var reply = await rig.Groups.ReplyAsync(author, thread, "A reply.");
        var urls = rig.Server.Get<ActorUrls>();
        var authorActor = urls.User(author.Name);

        // Mastodon: the account and two of its posts, reason in content: one report per post, for the group's moderators.
        await rig.DeliverAsync(mastodon, From(mastodon, Recorded("mastodon-flag.json"), authorActor, urls.Thread(thread), urls.Reply(reply)));
        var reports = await OpenReportsAsync(rig.Groups, moderator);
        var fromMastodon = reports.Where(r => r.GetProperty("from").GetString() == mastodon.Origin.Authority).ToList();
        Assert.Equal(2, fromMastodon.Count);
        Assert.All(fromMastodon, r => Assert.Equal("Please take a look at this user and their posts", r.GetProperty("comment").GetString()));
        Assert.All(fromMastodon, r => Assert.Equal(author.Name, r.GetProperty("subject").GetString()));
        Assert.DoesNotContain(fromMastodon.Select(r => r.GetRawText()), t => t.Contains("/users/admin", StringComparison.Ordinal));

        // Mastodon about the account alone: a report about the person, for the admins only.
        await rig.DeliverAsync(mastodon, From(mastodon, Recorded("mastodon-flag.json"), authorActor));
        Assert.Contains(await OpenReportsAsync(rig.Groups, owner), r => r.GetProperty("about").GetString() == "member" && r.GetProperty("from").GetString() == mastodon.Origin.Authority);
        Assert.DoesNotContain(await OpenReportsAsync(rig.Groups, moderator), r => r.GetProperty("about").GetString() == "member");

        // Mbin: the post and its author, reason in summary and content.
        var mbinFlag = From(mbin, Recorded("mbin-flag.json"), urls.Reply(reply), authorActor);
        mbinFlag["to"] = new JsonArray(JsonValue.Create(urls.Group(slug).AbsoluteUri));
        await rig.DeliverAsync(mbin, mbinFlag);
        Assert.Contains(await OpenReportsAsync(rig.Groups, moderator), r => r.GetProperty("from").GetString() == mbin.Origin.Authority
            && r.GetProperty("postId").GetGuid() == reply && r.GetProperty("comment").GetString() == "dikjhgasdpas dsaü");

        // Lemmy: one post, reason in summary; then its Resolve closes it. A Resolve from another server does not.
        var lemmyFlag = From(lemmy, Recorded("lemmy-report-page.json"), urls.Thread(thread));
        lemmyFlag["to"] = new JsonArray(JsonValue.Create(urls.Group(slug).AbsoluteUri));
        await rig.DeliverAsync(lemmy, lemmyFlag);
        var lemmyReport = Assert.Single(await OpenReportsAsync(rig.Groups, moderator), r => r.GetProperty("from").GetString() == lemmy.Origin.Authority);
        Assert.Equal("report this post", lemmyReport.GetProperty("comment").GetString());

        JsonObject Resolve(FakeRemote by)
        {
            var resolve = Recorded("lemmy-resolve-report-page.json");
            resolve["actor"] = by.ActorId.AbsoluteUri;
            resolve["id"] = $"{by.Origin}activities/resolve/{Guid.NewGuid():N}";
            resolve["to"] = new JsonArray(JsonValue.Create(urls.Group(slug).AbsoluteUri));
            resolve["object"] = lemmyFlag.DeepClone();
            return resolve;
        }

        await rig.DeliverAsync(mbin, Resolve(mbin));
        Assert.Contains(await OpenReportsAsync(rig.Groups, moderator), r => r.GetProperty("from").GetString() == lemmy.Origin.Authority);
        await rig.DeliverAsync(lemmy, Resolve(lemmy));
        Assert.DoesNotContain(await OpenReportsAsync(rig.Groups, moderator), r => r.GetProperty("from").GetString() == lemmy.Origin.Authority);

        // The same Flag delivered again is one report.
        await rig.DeliverAsync(lemmy, lemmyFlag.DeepClone().AsObject().Also(o => o["id"] = lemmyFlag["id"]!.GetValue<string>() + "-again"));
        await using var c = await rig.OpenAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM reports WHERE flag_id = @id", new { id = lemmyFlag["id"]!.GetValue<string>() }));
    }

    [Fact]
    public async Task A_forwarded_report_is_a_Flag_from_the_instance_actor_without_the_reporter()
    {
        var rig = Rig;
        using var harriet = new FakeRemote();
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var reporter = await rig.Groups.MemberAsync();
        await rig.Groups.JoinAsync(reporter, slug);
        await rig.FollowAsync(harriet, slug);
        var group = rig.GroupId(slug);
        var objectId = $"{harriet.Origin}objects/{Guid.NewGuid():N}";
        await rig.DeliverAsync(harriet, ActivityJson.Create(new Uri($"{harriet.Origin}activities/{Guid.NewGuid():N}"), new PostDocument
        {
            Type = "Page", Id = new Uri(objectId), AttributedTo = harriet.ActorId, Name = "Buy now", ContentHtml = "<p>spam</p>",
            Audience = group, To = [group], Cc = [new Uri("https://www.w3.org/ns/activitystreams#Public")], Published = DateTimeOffset.UtcNow,
        }));
        await using var c = await rig.OpenAsync();
        var thread = await c.QuerySingleAsync<Guid>("SELECT id FROM threads WHERE ap_id = @objectId", new { objectId });

        var created = await rig.Groups.SendAsync(HttpMethod.Post, "/api/v1/reports", reporter.Token, new { postId = thread, reason = "spam", comment = "My secret words" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var report = Assert.Single(await OpenReportsAsync(rig.Groups, owner), r => r.GetProperty("id").GetGuid() == id);
        Assert.Equal($"harriet@{harriet.Origin.Authority}", report.GetProperty("subject").GetString());

        var instance = rig.Server.Get<ActorUrls>().InstanceActor;
        static bool IsFlag(string body) => body.Contains("\"Flag\"", StringComparison.Ordinal);
        Assert.DoesNotContain(await rig.JobsAsync(instance), IsFlag);
        var resolved = await rig.Groups.JsonAsync(HttpMethod.Post, $"/api/v1/reports/{id}/resolve", owner.Token, new { note = "Spam account.", forward = true });
        Assert.True(resolved.GetProperty("forwarded").GetBoolean());

        // To harriet's server (her inbox, or its shared inbox when her actor names one).
        var flag = GroupFedRig.Parse(Assert.Single(await rig.JobsAsync(instance), IsFlag));
        Assert.Equal("Flag", (string)flag["type"]!);
        Assert.Equal(instance.AbsoluteUri, (string)flag["actor"]!);
        var objects = flag["object"]!.AsArray().Select(o => (string)o!).ToList();
        Assert.Equal([harriet.ActorId.AbsoluteUri, objectId], objects);
        var text = JsonOutput.Serialize(flag);
        Assert.DoesNotContain(reporter.Name, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("My secret words", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Spam account.", text, StringComparison.Ordinal);
        Assert.DoesNotContain(owner.Name, text, StringComparison.OrdinalIgnoreCase);
    }
}

public sealed class FlagFederationTestsOnSqlite(FederatedSqliteServer f) : FlagFederationTests<FederatedSqliteServer>(f);

public sealed class FlagFederationTestsOnPostgres(FederatedPostgresServer f) : FlagFederationTests<FederatedPostgresServer>(f);
