using System.Net;
using System.Text.Json.Nodes;
using Kindred.Server.Tests.TestRig;
using static Kindred.Server.Tests.RemoteGroups.RemoteGroupRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.RemoteGroups;

/// <summary>
/// What remote groups Announce, from the recorded payloads of Lemmy, Mbin, Mastodon, NodeBB and Discourse (hosts moved
/// to the fake group's loopback origin, signed with the group's key): threads, replies, edits and deletions.
/// </summary>
public abstract class AnnounceTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private static readonly string[] LemmyHosts = ["enterprise.lemmy.ml", "ds9.lemmy.ml"];
    private RemoteGroupRig Rig => new(fixture.Server);

    [Fact]
    public async Task Lemmy_Announce_Create_Page_becomes_one_thread_even_when_announced_twice()
    {
        using var group = new FakeGroupServer("main", "/c/main");
        var rig = Rig;
        var member = await rig.JoinedMemberAsync(group);
        var announce = Recorded("lemmy/activities/community/announce_create_page.json", group, LemmyHosts);
        await rig.DeliverAsync(group, announce);

        var thread = await rig.ThreadAsync(group.Id("/post/7"));
        Assert.NotNull(thread);
        Assert.Equal("post 4", thread.Title);
        Assert.Equal(group.Id("/u/lemmy_beta").AbsoluteUri, thread.RemoteAuthor);
        Assert.Equal($"lemmy_beta@{group.Origin.Authority}", thread.RemoteAuthorName);
        Assert.Equal(group.Origin.Authority, thread.Origin);

        // The same Create announced again (a new Announce id) stores nothing new.
        announce["id"] = group.Id("/activities/announce/again").AbsoluteUri;
        await rig.DeliverAsync(group, announce);
        Assert.Equal(1, await rig.ScalarAsync<long>("SELECT COUNT(*) FROM threads WHERE ap_id = @id", new { id = group.Id("/post/7").AbsoluteUri }));

        var list = await rig.Groups.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{group.Address}/threads", member.Token);
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal("post 4", item.GetProperty("title").GetString());
        Assert.Equal($"lemmy_beta@{group.Origin.Authority}", item.GetProperty("author").GetString());
    }

    [Fact]
    public async Task Lemmy_comment_whose_post_we_never_saw_fetches_the_post_first()
    {
        using var group = new FakeGroupServer("main", "/c/main");
        var rig = Rig;
        var member = await rig.JoinedMemberAsync(group);
        // The post the comment answers, as its origin serves it.
        var post = Recorded("lemmy/activities/create_or_update/update_page.json", group, LemmyHosts)["object"]!.AsObject();
        group.Serve("/post/1", post.DeepClone());
        var create = Recorded("lemmy/activities/create_or_update/create_comment.json", group, LemmyHosts);
        await rig.DeliverAsync(group, group.Announce(create));

        var thread = await rig.ThreadAsync(group.Id("/post/1"));
        Assert.NotNull(thread);
        Assert.Equal("test post 1", thread.Title);
        // Lemmy's link attachment is shown as a link (no remote media is loaded).
        Assert.StartsWith("<p>test body</p>\n<p>Link: <a href=\"https://lemmy.ml/pictrs/image/xl8W7FZfk9.jpg\" rel=\"nofollow noopener noreferrer ugc\">", thread.Content, StringComparison.Ordinal);
        Assert.Contains("(lemmy.ml)", thread.Content, StringComparison.Ordinal);
        var reply = await rig.ReplyAsync(group.Id("/comment/1"));
        Assert.NotNull(reply);
        Assert.Equal(thread.Id, reply.ThreadId);
        Assert.Null(reply.InReplyTo);
        Assert.Equal("hello", reply.Content);
        Assert.Equal(1, (await rig.ThreadAsync(group.Id("/post/1")))!.ReplyCount);

        var detail = await rig.Groups.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{thread.Id}", member.Token);
        Assert.StartsWith("<p>test body</p>", detail.GetProperty("thread").GetProperty("contentHtml").GetString(), StringComparison.Ordinal);
        Assert.Equal("hello", detail.GetProperty("replies").GetProperty("items")[0].GetProperty("contentHtml").GetString());
    }

    [Fact]
    public async Task Mbin_entry_and_nested_comment_become_a_thread_and_a_reply()
    {
        using var group = new FakeGroupServer("test", "/m/test");
        var rig = Rig;
        await rig.JoinedMemberAsync(group);
        var entry = Recorded("mbin/outbox-snapshots/CreateTest__testCreateEntry__1.json", group, "kbin.test");
        Mbin(entry, "/activities/create/entry", "/m/test/t/1");
        entry["object"]!["content"] = "<p>Entry body</p>";
        await rig.DeliverAsync(group, group.Announce(entry));

        var announce = Recorded("mbin/outbox-snapshots/AnnounceTest__testAnnounceCreateNestedEntryComment__1.json", group, "kbin.test");
        announce["id"] = group.Id("/activities/announce/c1").AbsoluteUri;
        announce["published"] = "2026-01-01T00:00:00Z";
        var comment = announce["object"]!.AsObject();
        Mbin(comment, "/activities/create/c1", "/m/test/t/1/-/comment/1");
        comment["object"]!["inReplyTo"] = group.Id("/m/test/t/1").AbsoluteUri;
        await rig.DeliverAsync(group, announce);

        var thread = await rig.ThreadAsync(group.Id("/m/test/t/1"));
        Assert.Equal("test", thread!.Title);
        var reply = await rig.ReplyAsync(group.Id("/m/test/t/1/-/comment/1"));
        Assert.Equal(thread.Id, reply!.ThreadId);
        Assert.Equal("<p>test</p>\n", reply.Content);

        void Mbin(JsonObject create, string id, string objectId)
        {
            create["id"] = group.Id(id).AbsoluteUri;
            create["published"] = "2026-01-01T00:00:00Z";
            create["object"]!["id"] = group.Id(objectId).AbsoluteUri;
            create["object"]!["url"] = group.Id(objectId).AbsoluteUri;
            create["object"]!["published"] = "2026-01-01T00:00:00Z";
        }
    }

    [Fact]
    public async Task PieFed_style_Announce_by_id_only_is_fetched_from_its_origin()
    {
        using var group = new FakeGroupServer();
        var rig = Rig;
        await rig.JoinedMemberAsync(group);
        var create = Create(group, "/post/piefed-1", "Page", "Asking for help with sleep", "<p>Nights are hard.</p>");
        group.Serve("/activities/create/piefed-1", create);
        var announce = group.Announce(JsonValue.Create(group.Id("/activities/create/piefed-1").AbsoluteUri)!);
        await rig.DeliverAsync(group, announce);

        var thread = await rig.ThreadAsync(group.Id("/post/piefed-1"));
        Assert.Equal("Asking for help with sleep", thread!.Title);
        Assert.Equal("<p>Nights are hard.</p>", thread.Content);
    }

    [Fact]
    public async Task Mastodon_Note_mentioning_the_group_becomes_a_thread_titled_by_its_first_words()
    {
        using var group = new FakeGroupServer();
        var rig = Rig;
        await rig.JoinedMemberAsync(group);
        var create = Recorded("mastodon/activities/create_note.json", group, "mastodon.madrid", "mamot.fr");
        var note = create["object"]!.AsObject();
        note.Remove("inReplyTo");
        note.Remove("contentMap");
        note["content"] = "<p><span class=\"h-card\"><a href=\"x\">@carers</a></span> Does anyone else find evenings the hardest part of caring? <script>alert(1)</script></p>";
        note["tag"] = new JsonArray(new JsonObject { ["type"] = "Mention", ["href"] = group.GroupId.AbsoluteUri, ["name"] = "@" + group.Address });
        await rig.DeliverAsync(group, group.Announce(create));

        var thread = await rig.ThreadAsync(new Uri((string)note["id"]!));
        Assert.NotNull(thread);
        // The title leaves out the mention of the group the Note starts with; the body keeps it.
        Assert.StartsWith("Does anyone else find evenings", thread.Title, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", thread.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeBB_Article_and_Discourse_Note_with_a_name_become_threads()
    {
        using var nodebb = new FakeGroupServer("general", "/category/2");
        var rig = Rig;
        await rig.JoinedMemberAsync(nodebb);
        var article = Recorded("nodebb/objects/page.json", nodebb, "bb.devnull.land");
        article.Remove("@context");
        await rig.DeliverAsync(nodebb, nodebb.Announce(Wrap(nodebb, "Create", article, "/activities/create/nodebb-1")));
        Assert.Equal("Welcome to your NodeBB!", (await rig.ThreadAsync(nodebb.Id("/post/1")))!.Title);

        using var discourse = new FakeGroupServer("meetings", "/ap/actor/797217cf18c0e819dfafc52425590146");
        await rig.JoinedMemberAsync(discourse);
        var note = Recorded("discourse/objects/page.json", discourse, "socialhub.activitypub.rocks");
        note.Remove("@context");
        await rig.DeliverAsync(discourse, discourse.Announce(Wrap(discourse, "Create", note, "/activities/create/discourse-1")));
        var thread = await rig.ThreadAsync(discourse.Id("/ap/object/1899f65c062200daec50a4c89ed76dc9"));
        Assert.Equal("Our next meeting", thread!.Title);
        Assert.Contains("<h3>Last Meeting</h3>", thread.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Posts_embedded_from_another_origin_are_fetched_from_it_and_refused_when_it_has_none()
    {
        using var group = new FakeGroupServer();
        using var elsewhere = new FakeGroupServer("other", "/c/other");
        var rig = Rig;
        await rig.JoinedMemberAsync(group);
        // The group embeds a post whose home is another server; what it embeds is not proof (FEP-fe34).
        var real = Create(elsewhere, "/post/real", "Page", "The real title", "<p>real words</p>", to: group.GroupId);
        elsewhere.Serve("/post/real", real["object"]!.DeepClone());
        var forged = Create(elsewhere, "/post/real", "Page", "A forged title", "<p>forged words</p>", to: group.GroupId);
        await rig.DeliverAsync(group, group.Announce(forged));
        var thread = await rig.ThreadAsync(elsewhere.Id("/post/real"));
        Assert.Equal("The real title", thread!.Title);
        Assert.Equal("<p>real words</p>", thread.Content);

        var missing = Create(elsewhere, "/post/missing", "Page", "Never existed", "<p>made up</p>", to: group.GroupId);
        await rig.DeliverAsync(group, group.Announce(missing));
        Assert.Null(await rig.ThreadAsync(elsewhere.Id("/post/missing")));
    }

    [Fact]
    public async Task Updates_by_the_author_edit_Deletes_tombstone_and_strangers_or_unknown_objects_change_nothing()
    {
        using var group = new FakeGroupServer("main", "/c/main");
        var rig = Rig;
        await rig.JoinedMemberAsync(group);
        // The Update arrives before its Create: the post is stored from it.
        var update = Recorded("lemmy/activities/create_or_update/update_page.json", group, LemmyHosts);
        await rig.DeliverAsync(group, group.Announce(update));
        Assert.Equal("test post 1", (await rig.ThreadAsync(group.Id("/post/1")))!.Title);

        update["id"] = group.Id("/activities/update/2").AbsoluteUri;
        update["object"]!["name"] = "test post 1 (edited)";
        await rig.DeliverAsync(group, group.Announce(update));
        Assert.Equal("test post 1 (edited)", (await rig.ThreadAsync(group.Id("/post/1")))!.Title);

        // Someone else on the same server cannot edit it.
        var stranger = update.DeepClone().AsObject();
        stranger["id"] = group.Id("/activities/update/3").AbsoluteUri;
        stranger["actor"] = group.PersonId.AbsoluteUri;
        stranger["object"]!["attributedTo"] = group.PersonId.AbsoluteUri;
        stranger["object"]!["name"] = "hijacked";
        await rig.DeliverAsync(group, group.Announce(stranger));
        Assert.Equal("test post 1 (edited)", (await rig.ThreadAsync(group.Id("/post/1")))!.Title);

        var like = Recorded("lemmy/activities/voting/like_note.json", group, LemmyHosts);
        await rig.DeliverAsync(group, group.Announce(like));

        var unknown = Recorded("lemmy/activities/deletion/delete_page.json", group, LemmyHosts);
        unknown["id"] = group.Id("/activities/delete/unknown").AbsoluteUri;
        unknown["object"] = group.Id("/post/never-seen").AbsoluteUri;
        await rig.DeliverAsync(group, group.Announce(unknown));

        await rig.DeliverAsync(group, group.Announce(Recorded("lemmy/activities/deletion/delete_page.json", group, LemmyHosts)));
        var deleted = await rig.ThreadAsync(group.Id("/post/1"));
        Assert.NotNull(deleted!.DeletedAt);
        Assert.Equal("", deleted.Content);
    }

    [Fact]
    public async Task Announces_from_groups_nobody_here_follows_are_ignored()
    {
        using var group = new FakeGroupServer();
        var rig = Rig;
        await rig.DeliverIgnoredAsync(group, group.Announce(Create(group, "/post/unfollowed", "Page", "Hello", "<p>hi</p>")));
        Assert.Null(await rig.ThreadAsync(group.Id("/post/unfollowed")));
    }

    /// <summary>Create(post) by harriet on <paramref name="server"/>, addressed to <paramref name="to"/> (default: its group).</summary>
    private static JsonObject Create(FakeGroupServer server, string path, string type, string name, string html, Uri? to = null)
    {
        var post = new JsonObject
        {
            ["id"] = server.Id(path).AbsoluteUri,
            ["type"] = type,
            ["attributedTo"] = server.PersonId.AbsoluteUri,
            ["name"] = name,
            ["content"] = html,
            ["to"] = new JsonArray((to ?? server.GroupId).AbsoluteUri, "https://www.w3.org/ns/activitystreams#Public"),
            ["audience"] = (to ?? server.GroupId).AbsoluteUri,
            ["published"] = "2026-01-02T10:00:00Z",
        };
        return Wrap(server, "Create", post, path.Replace("/post/", "/activities/create/", StringComparison.Ordinal));
    }

    private static JsonObject Wrap(FakeGroupServer server, string type, JsonObject post, string id) => new()
    {
        ["@context"] = "https://www.w3.org/ns/activitystreams",
        ["id"] = server.Id(id).AbsoluteUri,
        ["type"] = type,
        ["actor"] = (string?)post["attributedTo"] ?? server.PersonId.AbsoluteUri,
        ["to"] = new JsonArray("https://www.w3.org/ns/activitystreams#Public"),
        ["object"] = post,
    };
}

public sealed class AnnounceTestsOnSqlite(FederatedSqliteServer f) : AnnounceTests<FederatedSqliteServer>(f);

public sealed class AnnounceTestsOnPostgres(FederatedPostgresServer f) : AnnounceTests<FederatedPostgresServer>(f);
