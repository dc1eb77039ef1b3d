using System.Net;
using Kindred.ActivityPub.Json;
using Kindred.Server.Federation;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.GroupFederation;

/// <summary>Local members' posts in federated groups go out as the author's activity plus the group's Announce.</summary>
public abstract class LocalPostFederationTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private GroupFedRig Rig => new(fixture.Server);

    [Fact]
    public async Task A_thread_reply_edit_and_delete_in_a_public_federated_group_queue_the_authors_activity_and_the_groups_Announce()
    {
        var rig = Rig;
        using var remote = new FakeRemote();
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        await rig.FollowAsync(remote, slug);
        var sharedInbox = new Uri(remote.Origin, "/inbox");
        var author = fixture.Server.Get<ActorUrls>().User(owner.Name);

        var thread = await rig.Groups.ThreadAsync(owner, slug, "Long nights", "How do you *rest*?");
        var threadId = fixture.Server.Get<ActorUrls>().Thread(thread);
        var create = GroupFedRig.Parse(Assert.Single(await rig.JobsAsync(author, sharedInbox)));
        Assert.Equal(threadId.AbsoluteUri + "#create", (string?)create["id"]);
        Assert.Equal("Page", (string?)create["object"]!["type"]);
        Assert.Equal("Long nights", (string?)create["object"]!["name"]);
        Assert.Equal("<p>How do you <em>rest</em>?</p>\n", (string?)create["object"]!["content"]);
        Assert.Equal(rig.GroupId(slug).AbsoluteUri, (string?)create["object"]!["audience"]);

        var groupJobs = (await rig.JobsAsync(rig.GroupId(slug), sharedInbox)).Select(GroupFedRig.Parse).Where(j => (string?)j["type"] == "Announce").ToList();
        var announce = Assert.Single(groupJobs);
        Assert.Equal(JsonOutput.Serialize(ActivityJson.Embed(create)), JsonOutput.Serialize(announce["object"]!));

        // The Page is served on its id by content negotiation.
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Accept.ParseAdd("application/activity+json");
        var page = GroupFedRig.Parse(await http.GetStringAsync(threadId));
        Assert.Equal(JsonOutput.Serialize(ActivityJson.Embed(create["object"]!.AsObject())), JsonOutput.Serialize(ActivityJson.Embed(page)));

        var reply = await rig.Groups.ReplyAsync(owner, thread, "Me too.");
        await rig.Groups.JsonAsync(HttpMethod.Patch, $"/api/v1/posts/{reply}", owner.Token, new { content = "Me too, often." });
        await rig.Groups.JsonAsync(HttpMethod.Delete, $"/api/v1/posts/{reply}", owner.Token, expect: HttpStatusCode.NoContent);
        var types = (await rig.JobsAsync(author, sharedInbox)).Select(GroupFedRig.Parse).Select(j => $"{j["type"]}({j["object"]!["type"]})").ToList();
        Assert.Equal(["Create(Page)", "Create(Note)", "Update(Note)", "Delete(Tombstone)"], types);
        Assert.Equal(4, (await rig.JobsAsync(rig.GroupId(slug), sharedInbox)).Count(j => j.Contains("\"type\":\"Announce\"", StringComparison.Ordinal)));

        var gone = await http.GetAsync(fixture.Server.Get<ActorUrls>().Reply(reply));
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
    }

    [Fact]
    public async Task Members_only_groups_never_address_Public_and_serve_posts_only_to_signed_member_instances()
    {
        var rig = Rig;
        using var remote = new FakeRemote();
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner, "members", "invite");
        using var stranger = new FakeRemote("stranger", "127.0.0.2");
        var groupUrl = rig.GroupId(slug);
        Assert.Equal(HttpStatusCode.NotFound, (await remote.GetSignedAsync(groupUrl)).StatusCode); // not invited yet
        await rig.InviteRemoteAsync(slug, remote.ActorId);
        Assert.Equal(HttpStatusCode.OK, (await remote.GetSignedAsync(groupUrl)).StatusCode); // invited: its server may see the group to join
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetSignedAsync(groupUrl)).StatusCode);
        await rig.FollowAsync(remote, slug);

        var thread = await rig.Groups.ThreadAsync(owner, slug, "Private", "Only for us");
        var author = fixture.Server.Get<ActorUrls>().User(owner.Name);
        var jobs = (await rig.JobsAsync(author)).Concat(await rig.JobsAsync(rig.GroupId(slug))).ToList();
        Assert.Equal(3, jobs.Count); // Accept, Create, Announce
        Assert.All(jobs, j => Assert.False(GroupOutbox.MentionsPublic(j), j));

        var threadId = fixture.Server.Get<ActorUrls>().Thread(thread);
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Accept.ParseAdd("application/activity+json");
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(threadId)).StatusCode);
        var signed = await remote.GetSignedAsync(threadId);
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetSignedAsync(threadId)).StatusCode);
    }

    [Fact]
    public async Task Local_only_groups_queue_nothing()
    {
        var rig = Rig;
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner, federation: "local");
        await rig.InviteRemoteAsync(slug, new Uri("http://127.0.0.9:1/users/ghost"));
        await using (var c = await rig.OpenAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(c, "UPDATE remote_members SET state = 'member', inbox = 'http://127.0.0.9:1/inbox' WHERE actor_id = 'http://127.0.0.9:1/users/ghost'");
        }

        var thread = await rig.Groups.ThreadAsync(owner, slug);
        await rig.Groups.ReplyAsync(owner, thread);
        Assert.Empty(await rig.JobsAsync(fixture.Server.Get<ActorUrls>().User(owner.Name)));
        Assert.Empty(await rig.JobsAsync(rig.GroupId(slug)));
    }
}

public sealed class LocalPostFederationTestsOnSqlite(FederatedSqliteServer f) : LocalPostFederationTests<FederatedSqliteServer>(f);

public sealed class LocalPostFederationTestsOnPostgres(FederatedPostgresServer f) : LocalPostFederationTests<FederatedPostgresServer>(f);
