using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Federation;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.GroupFederation;

/// <summary>
/// Remote members' posts in our groups are stored by the same code as posts that groups elsewhere Announce. These are
/// the places where the group's own path used to differ, each fixed toward the safer behaviour.
/// </summary>
public abstract class RemoteMemberPostRulesTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private static readonly Uri Public = new("https://www.w3.org/ns/activitystreams#Public");

    private GroupFedRig Rig => new(fixture.Server);

    private static JsonObject Post(FakeRemote author, Uri group, string type, string content, string? name = null, Uri? inReplyTo = null,
        bool sensitive = false, bool isPublic = true) =>
        ActivityJson.Create(new Uri($"{author.Origin}activities/{Guid.NewGuid():N}"), new PostDocument
        {
            Type = type, Id = new Uri($"{author.Origin}objects/{Guid.NewGuid():N}"), AttributedTo = author.ActorId, Name = name, ContentHtml = content,
            InReplyTo = inReplyTo, Audience = group, To = [group], Cc = isPublic ? [Public] : [], Sensitive = sensitive, Published = DateTimeOffset.UtcNow,
        });

    private static JsonObject Update(FakeRemote by, JsonObject create, Uri group, string content, bool isPublic = true)
    {
        var edited = ActivityJson.Embed(create["object"]!.AsObject());
        edited["content"] = content;
        return ActivityJson.Update(new Uri($"{by.Origin}activities/{Guid.NewGuid():N}"), by.ActorId, edited, isPublic ? [group, Public] : [group], audience: group);
    }

    private static JsonObject Delete(FakeRemote by, JsonObject create, Uri group) =>
        ActivityJson.Delete(new Uri($"{by.Origin}activities/{Guid.NewGuid():N}"), by.ActorId, new Uri((string)create["object"]!["id"]!), [group]);

    private static string IdOf(JsonObject create) => (string)create["object"]!["id"]!;

    [Fact]
    public async Task A_remote_members_reply_notifies_the_local_author_and_shows_who_wrote_it()
    {
        var rig = Rig;
        using var harriet = new FakeRemote();
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var group = rig.GroupId(slug);
        await rig.FollowAsync(harriet, slug);
        var thread = await rig.Groups.ThreadAsync(owner, slug, "Long nights", "How do you rest?");

        var reply = Post(harriet, group, "Note", "<p>Warm milk, honestly.</p>", inReplyTo: fixture.Server.Get<ActorUrls>().Thread(thread));
        await rig.DeliverAsync(harriet, reply);

        await using var c = await rig.OpenAsync();
        Assert.Equal($"harriet@{harriet.Origin.Authority}",
            await c.QuerySingleAsync<string?>("SELECT remote_author_name FROM replies WHERE ap_id = @id", new { id = IdOf(reply) }));
        Assert.Equal(1, await c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM notifications n JOIN replies r ON r.id = n.reply_id WHERE n.thread_id = @thread AND n.kind = 'reply' AND r.ap_id = @id",
            new { thread, id = IdOf(reply) }));
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM threads WHERE id = @thread AND answered_at IS NOT NULL", new { thread }));
    }

    [Fact]
    public async Task A_self_reply_leaves_a_thread_waiting_and_deleting_its_only_answer_puts_it_back_on_the_list()
    {
        var rig = Rig;
        using var harriet = new FakeRemote();
        using var bob = new FakeRemote("bob");
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var group = rig.GroupId(slug);
        await rig.FollowAsync(harriet, slug);
        await rig.FollowAsync(bob, slug);
        var create = Post(harriet, group, "Page", "<p>Is it always this hard?</p>", "Evenings");
        await rig.DeliverAsync(harriet, create);
        var threadAp = new Uri(IdOf(create));
        await using var c = await rig.OpenAsync();
        async Task<bool> AnsweredAsync() =>
            await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM threads WHERE ap_id = @id AND answered_at IS NOT NULL", new { id = IdOf(create) }) == 1;

        await rig.DeliverAsync(harriet, Post(harriet, group, "Note", "<p>Adding: mostly after nine.</p>", inReplyTo: threadAp));
        Assert.False(await AnsweredAsync());

        var answer = Post(bob, group, "Note", "<p>It gets easier.</p>", inReplyTo: threadAp);
        await rig.DeliverAsync(bob, answer);
        Assert.True(await AnsweredAsync());

        await rig.DeliverAsync(bob, Delete(bob, answer, group));
        Assert.False(await AnsweredAsync());
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT reply_count FROM threads WHERE ap_id = @id", new { id = IdOf(create) }));
    }

    [Fact]
    public async Task A_sensitive_post_keeps_a_content_warning_and_editing_a_Note_thread_retitles_it_from_the_new_words()
    {
        var rig = Rig;
        using var harriet = new FakeRemote();
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var group = rig.GroupId(slug);
        await rig.FollowAsync(harriet, slug);
        var create = Post(harriet, group, "Note", "<p>Something I wrote and then regretted sharing</p>", sensitive: true);
        await rig.DeliverAsync(harriet, create);

        await using var c = await rig.OpenAsync();
        var before = await c.QuerySingleAsync<(string Title, string? ContentWarning)>("SELECT title, content_warning FROM threads WHERE ap_id = @id", new { id = IdOf(create) });
        Assert.StartsWith("Something I wrote", before.Title, StringComparison.Ordinal);
        Assert.Equal("Sensitive", before.ContentWarning);

        // The edited-away words must not stay on show in the title.
        await rig.DeliverAsync(harriet, Update(harriet, create, group, "<p>A calmer version</p>"));
        var after = await c.QuerySingleAsync<(string Title, string Content)>("SELECT title, content FROM threads WHERE ap_id = @id", new { id = IdOf(create) });
        Assert.Equal("A calmer version", after.Title);
        Assert.Equal("<p>A calmer version</p>", after.Content);
    }

    [Fact]
    public async Task An_Update_is_held_to_the_rules_of_a_new_post()
    {
        var rig = Rig;
        using var harriet = new FakeRemote();
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner, "members", "invite");
        var group = rig.GroupId(slug);
        await rig.InviteRemoteAsync(slug, harriet.ActorId);
        await rig.FollowAsync(harriet, slug);
        var create = Post(harriet, group, "Page", "<p>First</p>", "Mine", isPublic: false);
        await rig.DeliverAsync(harriet, create);
        await using var c = await rig.OpenAsync();
        Task<string> ContentAsync() => c.QuerySingleAsync<string>("SELECT content FROM threads WHERE ap_id = @id", new { id = IdOf(create) });
        Assert.Equal("<p>First</p>", await ContentAsync());

        // Too long for a new post, so too long for an edit.
        await rig.DeliverAsync(harriet, Update(harriet, create, group, "<p>" + new string('x', 50_000) + "</p>", isPublic: false));
        Assert.Equal("<p>First</p>", await ContentAsync());

        // Addressed to Public in a members-only group: refused (handled, not failed), nothing announced.
        var toPublic = Update(harriet, create, group, "<p>Now for everyone</p>");
        await rig.DeliverAsync(harriet, toPublic);
        Assert.Equal("<p>First</p>", await ContentAsync());
        Assert.DoesNotContain(await rig.JobsAsync(group), j => j.Contains((string)toPublic["id"]!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reply_to_a_thread_that_does_not_exist_here_is_ignored_without_failing()
    {
        var rig = Rig;
        using var harriet = new FakeRemote();
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var group = rig.GroupId(slug);
        await rig.FollowAsync(harriet, slug);

        var reply = Post(harriet, group, "Note", "<p>Hello?</p>", inReplyTo: fixture.Server.Get<ActorUrls>().Thread(Guid.NewGuid()));
        await rig.DeliverAsync(harriet, reply);
        await using var c = await rig.OpenAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM replies WHERE ap_id = @id", new { id = IdOf(reply) }));
    }
}

public sealed class RemoteMemberPostRulesTestsOnSqlite(FederatedSqliteServer f) : RemoteMemberPostRulesTests<FederatedSqliteServer>(f);

public sealed class RemoteMemberPostRulesTestsOnPostgres(FederatedPostgresServer f) : RemoteMemberPostRulesTests<FederatedPostgresServer>(f);
