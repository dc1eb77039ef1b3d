using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Federation;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Tests.GroupFederation;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.RemoteGroups;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Reactions;

/// <summary>"I hear you" across servers: sent as the member's Like (Announced by our groups, or to a remote group's
/// inbox), and Likes from elsewhere kept so local authors are told.</summary>
public abstract class ReactionFederationTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private const string Public = "https://www.w3.org/ns/activitystreams#Public";
    private KindredTestServer Server => fixture.Server;
    private ActorUrls Urls => Server.Get<ActorUrls>();

    private static Task<HttpResponseMessage> PutAsync(GroupRig rig, GroupRig.Person p, Guid post) => rig.SendAsync(HttpMethod.Put, $"/api/v1/posts/{post}/reaction", p.Token);

    private static Task<HttpResponseMessage> DeleteAsync(GroupRig rig, GroupRig.Person p, Guid post) => rig.SendAsync(HttpMethod.Delete, $"/api/v1/posts/{post}/reaction", p.Token);

    private static async Task<List<System.Text.Json.JsonElement>> ReactionNotificationsAsync(GroupRig rig, GroupRig.Person person)
    {
        var json = await rig.JsonAsync(HttpMethod.Get, "/api/v1/notifications", person.Token);
        return json.GetProperty("items").EnumerateArray().Where(n => n.GetProperty("kind").GetString() == "reaction").ToList();
    }

    [Fact]
    public async Task A_reaction_in_a_federated_group_is_the_members_Like_Announced_by_the_group_and_Undo_takes_it_back()
    {
        var rig = new GroupFedRig(Server);
        using var remote = new FakeRemote();
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        await rig.FollowAsync(remote, slug);
        var sharedInbox = new Uri(remote.Origin, "/inbox");
        var thread = await rig.Groups.ThreadAsync(owner, slug, "Tired", "So tired lately.");
        var member = await rig.Groups.MemberAsync();
        await rig.Groups.JoinAsync(member, slug);
        var memberActor = Urls.User(member.Name);

        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig.Groups, member, thread)).StatusCode);
        var announces = (await rig.JobsAsync(rig.GroupId(slug), sharedInbox)).Select(GroupFedRig.Parse).Where(j => (string?)j["object"]?["type"] == "Like").ToList();
        var announce = Assert.Single(announces);
        Assert.Equal("Announce", (string?)announce["type"]);
        var like = announce["object"]!.AsObject();
        var likeId = (string)like["id"]!;
        Assert.StartsWith(memberActor.AbsoluteUri + "/likes/", likeId, StringComparison.Ordinal);
        Assert.Equal(memberActor.AbsoluteUri, (string?)like["actor"]);
        Assert.Equal(Urls.Thread(thread).AbsoluteUri, (string?)like["object"]);
        Assert.Equal(rig.GroupId(slug).AbsoluteUri, (string?)like["audience"]);
        Assert.Equal([rig.GroupId(slug).AbsoluteUri], like["to"]!.AsArray().Select(n => (string?)n));
        Assert.Contains(Urls.User(owner.Name).AbsoluteUri, like["cc"]!.AsArray().Select(n => (string?)n));
        Assert.Empty(await rig.JobsAsync(memberActor)); // the group speaks for it, FEP-1b12

        // The outbox collection other servers read never lists reactions: it would be a count.
        await using (var c = await rig.OpenAsync())
        {
            Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM group_activities WHERE body LIKE '%\"Like\"%'"));
        }

        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(rig.Groups, member, thread)).StatusCode);
        var undo = (await rig.JobsAsync(rig.GroupId(slug), sharedInbox)).Select(GroupFedRig.Parse).Single(j => (string?)j["object"]?["type"] == "Undo")["object"]!;
        Assert.Equal(memberActor.AbsoluteUri, (string?)undo["actor"]);
        Assert.Equal(likeId, (string?)undo["object"]!["id"]);
        Assert.Equal("Like", (string?)undo["object"]!["type"]);

        // A remote member's Like of the thread tells the local author, by name@host, and is Announced too.
        var remoteLike = ActivityJson.Like(new Uri($"{remote.Origin}likes/{Guid.NewGuid():N}"), remote.ActorId, Urls.Thread(thread), [rig.GroupId(slug)], rig.GroupId(slug));
        await rig.DeliverAsync(remote, remoteLike);
        var told = Assert.Single(await ReactionNotificationsAsync(rig.Groups, owner));
        Assert.StartsWith("harriet@", told.GetProperty("actor").GetString(), StringComparison.Ordinal);
        Assert.Equal("1 person said they hear you", (await owner.Web.GetAsync($"/threads/{thread}")).Text("article.thread .heard"));
        await rig.DeliverAsync(remote, ActivityJson.Undo(new Uri($"{remote.Origin}activities/{Guid.NewGuid():N}"), remote.ActorId, remoteLike, [rig.GroupId(slug)]));
        Assert.Empty(await ReactionNotificationsAsync(rig.Groups, owner));
    }

    [Fact]
    public async Task Members_only_groups_never_address_Public_and_local_only_groups_send_nothing()
    {
        var rig = new GroupFedRig(Server);
        using var remote = new FakeRemote();
        var owner = await rig.Groups.AdminAsync();
        var closed = await rig.GroupAsync(owner, "members", "invite");
        await rig.InviteRemoteAsync(closed, remote.ActorId);
        await rig.FollowAsync(remote, closed);
        var member = await rig.Groups.MemberAsync();
        await rig.Groups.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{closed}/invitations", owner.Token, new { username = member.Name }, HttpStatusCode.NoContent);
        await rig.Groups.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{closed}/membership", member.Token, new { }, HttpStatusCode.Created);
        var thread = await rig.Groups.ThreadAsync(owner, closed);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig.Groups, member, thread)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(rig.Groups, member, thread)).StatusCode);
        var jobs = (await rig.JobsAsync(rig.GroupId(closed))).Where(j => j.Contains("\"Like\"", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, jobs.Count);
        Assert.All(jobs, j => Assert.False(GroupOutbox.MentionsPublic(j), j));

        var local = await rig.GroupAsync(owner, federation: "local");
        await rig.InviteRemoteAsync(local, new Uri("http://127.0.0.9:1/users/ghost"));
        await using (var c = await rig.OpenAsync())
        {
            await c.ExecuteAsync("UPDATE remote_members SET state = 'member', inbox = 'http://127.0.0.9:1/inbox' WHERE actor_id = 'http://127.0.0.9:1/users/ghost'");
        }

        var other = await rig.Groups.MemberAsync();
        await rig.Groups.JoinAsync(other, local);
        var quiet = await rig.Groups.ThreadAsync(owner, local);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig.Groups, other, quiet)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(rig.Groups, other, quiet)).StatusCode);
        Assert.Empty(await rig.JobsAsync(rig.GroupId(local)));
        Assert.Empty(await rig.JobsAsync(Urls.User(other.Name)));
    }

    [Fact]
    public async Task A_reaction_to_a_remote_groups_post_goes_to_the_groups_inbox_and_the_authors()
    {
        using var group = new FakeGroupServer("night", "/c/night");
        var rig = new RemoteGroupRig(Server);
        var member = await rig.JoinedMemberAsync(group);
        var pageId = group.Id("/post/harriet-1");
        await rig.DeliverAsync(group, group.Announce(new JsonObject
        {
            ["id"] = group.Id("/activities/create/harriet-1").AbsoluteUri, ["type"] = "Create", ["actor"] = group.PersonId.AbsoluteUri,
            ["object"] = new JsonObject
            {
                ["id"] = pageId.AbsoluteUri, ["type"] = "Page", ["attributedTo"] = group.PersonId.AbsoluteUri, ["name"] = "Caring alone",
                ["content"] = "<p>Some days are long.</p>", ["to"] = new JsonArray(group.GroupId.AbsoluteUri, Public), ["audience"] = group.GroupId.AbsoluteUri,
            },
        }));
        var thread = (await rig.ThreadAsync(pageId))!;
        var memberActor = Urls.User(member.Name);

        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig.Groups, member, thread.Id)).StatusCode);
        var like = await JobAsync(rig, memberActor, group.GroupInbox, "Like");
        Assert.Equal(pageId.AbsoluteUri, (string?)like["object"]);
        Assert.Equal(group.GroupId.AbsoluteUri, (string?)like["audience"]);
        Assert.Equal([group.GroupId.AbsoluteUri], like["to"]!.AsArray().Select(n => (string?)n));
        Assert.Contains(group.PersonId.AbsoluteUri, like["cc"]!.AsArray().Select(n => (string?)n));
        Assert.Equal((string?)like["id"], (string?)(await JobAsync(rig, memberActor, group.SharedInbox, "Like"))["id"]); // the author's (shared) inbox
        using (var http = ActivityPubClient())
        {
            // Its id resolves: the group is public, so anyone may fetch it.
            var served = GroupFedRig.Parse(await http.GetStringAsync(new Uri((string)like["id"]!)));
            Assert.Equal(GroupFedRig.Serialize(like), GroupFedRig.Serialize(served));
        }

        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(rig.Groups, member, thread.Id)).StatusCode);
        var undo = await JobAsync(rig, memberActor, group.GroupInbox, "Undo");
        Assert.Equal((string?)like["id"], (string?)undo["object"]!["id"]);
        Assert.Equal(group.GroupId.AbsoluteUri, (string?)undo["audience"]);
    }

    [Fact]
    public async Task A_Like_a_remote_group_Announces_tells_the_local_author_and_Dislikes_and_other_posts_are_dropped()
    {
        using var group = new FakeGroupServer("dawn", "/c/dawn");
        var rig = new RemoteGroupRig(Server);
        var member = await rig.JoinedMemberAsync(group);
        var pageId = group.Id("/post/dawn-1");
        await rig.DeliverAsync(group, group.Announce(new JsonObject
        {
            ["id"] = group.Id("/activities/create/dawn-1").AbsoluteUri, ["type"] = "Create", ["actor"] = group.PersonId.AbsoluteUri,
            ["object"] = new JsonObject
            {
                ["id"] = pageId.AbsoluteUri, ["type"] = "Page", ["attributedTo"] = group.PersonId.AbsoluteUri, ["name"] = "Mornings",
                ["content"] = "<p>Mornings are hard.</p>", ["to"] = new JsonArray(group.GroupId.AbsoluteUri, Public), ["audience"] = group.GroupId.AbsoluteUri,
            },
        }));
        var thread = (await rig.ThreadAsync(pageId))!;
        var reply = await rig.Groups.ReplyAsync(member, thread.Id, "Mine too.");
        var ours = Urls.Reply(reply);

        JsonObject Vote(string type, Uri obj, string n) => new()
        {
            ["id"] = group.Id($"/activities/{type.ToLowerInvariant()}/{n}").AbsoluteUri, ["type"] = type, ["actor"] = group.PersonId.AbsoluteUri,
            ["object"] = obj.AbsoluteUri, ["audience"] = group.GroupId.AbsoluteUri,
        };

        await rig.DeliverAsync(group, group.Announce(Vote("Dislike", ours, "1")));
        await rig.DeliverAsync(group, group.Announce(Vote("EmojiReact", ours, "2")));
        await rig.DeliverAsync(group, group.Announce(Vote("Like", pageId, "3"))); // harriet's own post: not ours to count
        Assert.Equal(0, await rig.ScalarAsync<long>("SELECT COUNT(*) FROM post_likes WHERE post_id = @reply OR post_id = @thread", new { reply, thread = thread.Id }));
        Assert.Empty(await ReactionNotificationsAsync(rig.Groups, member));

        var like = Vote("Like", ours, "4");
        await rig.DeliverAsync(group, group.Announce(like));
        await rig.DeliverAsync(group, group.Announce(like.DeepClone())); // a second Announce of the same Like
        var told = Assert.Single(await ReactionNotificationsAsync(rig.Groups, member));
        Assert.Equal($"harriet@{group.Origin.Authority}", told.GetProperty("actor").GetString());
        Assert.Equal(reply, told.GetProperty("replyId").GetGuid());
        var page = await member.Web.GetAsync($"/threads/{thread.Id}");
        Assert.Equal("1 person said they hear you", page.Text($"#reply-{reply} .heard"));

        await rig.DeliverAsync(group, group.Announce(new JsonObject
        {
            ["id"] = group.Id("/activities/undo/4").AbsoluteUri, ["type"] = "Undo", ["actor"] = group.PersonId.AbsoluteUri, ["object"] = like.DeepClone(),
        }));
        Assert.Empty(await ReactionNotificationsAsync(rig.Groups, member));
        Assert.Null((await member.Web.GetAsync($"/threads/{thread.Id}")).Document.QuerySelector($"#reply-{reply} .heard"));
    }

    private static async Task<Uri> LikeIdAsync(GroupFedRig rig, Guid postId)
    {
        await using var c = await rig.OpenAsync();
        return new Uri(await c.QuerySingleAsync<string>("SELECT activity_id FROM post_likes WHERE post_id = @postId", new { postId }));
    }

    private static HttpClient ActivityPubClient()
    {
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        http.DefaultRequestHeaders.Accept.ParseAdd("application/activity+json");
        return http;
    }

    [Fact]
    public async Task A_Like_id_resolves_to_the_Like_as_sent_until_it_is_taken_back()
    {
        var rig = new GroupFedRig(Server);
        using var remote = new FakeRemote();
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        await rig.FollowAsync(remote, slug);
        var thread = await rig.Groups.ThreadAsync(owner, slug, "Tired", "So tired lately.");
        var member = await rig.Groups.MemberAsync();
        await rig.Groups.JoinAsync(member, slug);
        var reply = await rig.Groups.ReplyAsync(owner, thread, "Thank you all.");
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig.Groups, member, thread)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig.Groups, member, reply)).StatusCode);
        var sent = (await rig.JobsAsync(rig.GroupId(slug), new Uri(remote.Origin, "/inbox"))).Select(GroupFedRig.Parse)
            .Where(j => (string?)j["object"]?["type"] == "Like").Select(j => j["object"]!.AsObject()).ToList();
        var like = sent.Single(l => (string?)l["object"] == Urls.Thread(thread).AbsoluteUri);
        var likeId = new Uri((string)like["id"]!);

        using var http = ActivityPubClient();
        var response = await http.GetAsync(likeId);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/activity+json", response.Content.Headers.ContentType?.MediaType);
        var served = GroupFedRig.Parse(await response.Content.ReadAsStringAsync());
        Assert.NotNull(served["@context"]);
        Assert.Equal(GroupFedRig.Serialize(ActivityJson.Embed(like)), GroupFedRig.Serialize(ActivityJson.Embed(served)));

        // Browsers are sent to the post; there is no page of its own. An unknown id, or another member's name, is 404.
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var toPost = await browser.GetAsync(likeId);
        Assert.Equal(HttpStatusCode.Redirect, toPost.StatusCode);
        Assert.Equal(Urls.Thread(thread), toPost.Headers.Location);
        var replyLike = new Uri((string)sent.Single(l => (string?)l["object"] == Urls.Reply(reply).AbsoluteUri)["id"]!);
        Assert.Equal(new Uri($"{Urls.Thread(thread).AbsoluteUri}#reply-{reply}"), (await browser.GetAsync(replyLike)).Headers.Location);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(ActorUrls.Like(Urls.User(member.Name), Guid.NewGuid()))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(likeId.AbsoluteUri.Replace(Urls.User(member.Name).AbsoluteUri, Urls.User(owner.Name).AbsoluteUri, StringComparison.Ordinal))).StatusCode);

        // Taken back: the Like is erased, so its id and its Undo's id answer 404.
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(rig.Groups, member, thread)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(likeId)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(likeId)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(likeId.AbsoluteUri + "/undo")).StatusCode);

        // A Like of a post that was deleted since answers 404 too.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(replyLike)).StatusCode);
        await rig.Groups.JsonAsync(HttpMethod.Delete, $"/api/v1/posts/{reply}", owner.Token, expect: HttpStatusCode.NoContent);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(replyLike)).StatusCode);
    }

    [Fact]
    public async Task Like_ids_of_members_only_groups_resolve_only_for_signed_member_instances_and_of_local_groups_never()
    {
        var rig = new GroupFedRig(Server);
        using var remote = new FakeRemote();
        var owner = await rig.Groups.AdminAsync();
        var closed = await rig.GroupAsync(owner, "members", "invite");
        await rig.InviteRemoteAsync(closed, remote.ActorId);
        await rig.FollowAsync(remote, closed);
        var member = await rig.Groups.MemberAsync();
        await rig.Groups.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{closed}/invitations", owner.Token, new { username = member.Name }, HttpStatusCode.NoContent);
        await rig.Groups.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{closed}/membership", member.Token, new { }, HttpStatusCode.Created);
        var thread = await rig.Groups.ThreadAsync(owner, closed);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig.Groups, member, thread)).StatusCode);
        var likeId = await LikeIdAsync(rig, thread);

        using var http = ActivityPubClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(likeId)).StatusCode);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(likeId)).StatusCode);
        var signed = await remote.GetSignedAsync(likeId);
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        var like = GroupFedRig.Parse(await signed.Content.ReadAsStringAsync());
        Assert.Equal("Like", (string?)like["type"]);
        Assert.False(GroupOutbox.MentionsPublic(GroupFedRig.Serialize(like)));
        using var stranger = new FakeRemote("stranger", "127.0.0.2");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetSignedAsync(likeId)).StatusCode);

        var local = await rig.GroupAsync(owner, federation: "local");
        var other = await rig.Groups.MemberAsync();
        await rig.Groups.JoinAsync(other, local);
        var quiet = await rig.Groups.ThreadAsync(owner, local);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig.Groups, other, quiet)).StatusCode);
        var localLike = await LikeIdAsync(rig, quiet);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(localLike)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(localLike)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await remote.GetSignedAsync(localLike)).StatusCode);
    }

    private static async Task<JsonObject> JobAsync(RemoteGroupRig rig, Uri actor, Uri inbox, string type)
    {
        var body = await rig.ScalarAsync<string?>("SELECT body FROM delivery_jobs WHERE actor_id = @actor AND inbox_url = @inbox AND body LIKE @type",
            new { actor = actor.AbsoluteUri, inbox = inbox.AbsoluteUri, type = $"%\"type\":\"{type}\"%" });
        Assert.True(body is not null, $"no {type} job to {inbox}");
        return GroupFedRig.Parse(body);
    }
}

public sealed class ReactionFederationTestsOnSqlite(FederatedSqliteServer f) : ReactionFederationTests<FederatedSqliteServer>(f);

public sealed class ReactionFederationTestsOnPostgres(FederatedPostgresServer f) : ReactionFederationTests<FederatedPostgresServer>(f);
