using System.Net;
using System.Text.Json;
using Kindred.Server.Features.Moderation;
using Kindred.Server.Tests.GroupFederation;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Moderation;

/// <summary>
/// Moderators remove and restore posts in their group (issue 12): who may (per role), what members, the author and the
/// moderators then see, the author's notification, the log, and what other servers are sent (the moderator's Delete with
/// the reason, Announced by the group; Undo to restore).
/// </summary>
public abstract class RemovePostTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private GroupFedRig Fed => new(fixture.Server);

    private GroupRig Rig => Fed.Groups;

    private sealed record Cast(GroupRig.Person Owner, GroupRig.Person Moderator, GroupRig.Person Member, GroupRig.Person Author, string Slug, Guid Thread, Guid Reply);

    private async Task<Cast> CastAsync(string visibility = "public")
    {
        var rig = Rig;
        var owner = await rig.AdminAsync();
        var slug = await Fed.GroupAsync(owner, visibility, visibility == "public" ? "open" : "invite");
        var moderator = await rig.MemberAsync();
        var member = await rig.MemberAsync();
        var author = await rig.MemberAsync();
        foreach (var p in new[] { moderator, member, author })
        {
            if (visibility == "public")
            {
                await rig.JoinAsync(p, slug);
            }
            else
            {
                await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/invitations", owner.Token, new { username = p.Name }, HttpStatusCode.NoContent);
                await rig.JoinAsync(p, slug);
            }
        }

        await rig.JsonAsync(HttpMethod.Patch, $"/api/v1/groups/{slug}/members/{moderator.Name}", owner.Token, new { role = "moderator" });
        var thread = await rig.ThreadAsync(author, slug, "Rough week", "It has been hard.");
        var reply = await rig.ReplyAsync(author, thread, "Buy my pills at example.test");
        return new Cast(owner, moderator, member, author, slug, thread, reply);
    }

    private static JsonElement ReplyIn(JsonElement thread, Guid reply) =>
        thread.GetProperty("replies").GetProperty("items").EnumerateArray().Single(r => r.GetProperty("id").GetGuid() == reply);

    [Fact]
    public async Task A_moderator_removes_a_reply_with_a_reason_members_see_a_placeholder_and_the_author_is_told()
    {
        var rig = Rig;
        var cast = await CastAsync();
        var removed = await rig.JsonAsync(HttpMethod.Post, $"/api/v1/posts/{cast.Reply}/remove", cast.Moderator.Token, new { reason = "Selling things is against the rules." });
        Assert.True(removed.GetProperty("removed").GetBoolean());

        var asMember = ReplyIn(await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{cast.Thread}", cast.Member.Token), cast.Reply);
        Assert.True(asMember.GetProperty("removed").GetBoolean());
        Assert.Equal("", asMember.GetProperty("content").GetString());
        Assert.Equal("", asMember.GetProperty("contentHtml").GetString());
        Assert.False(asMember.TryGetProperty("removalReason", out _));

        var asAuthor = ReplyIn(await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{cast.Thread}", cast.Author.Token), cast.Reply);
        Assert.Equal("Buy my pills at example.test", asAuthor.GetProperty("content").GetString());
        Assert.Equal("Selling things is against the rules.", asAuthor.GetProperty("removalReason").GetString());
        var asModerator = ReplyIn(await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{cast.Thread}", cast.Moderator.Token), cast.Reply);
        Assert.Equal("Buy my pills at example.test", asModerator.GetProperty("content").GetString());

        var page = await cast.Member.Web.GetAsync($"/threads/{cast.Thread}");
        Assert.DoesNotContain("example.test", page.Document.DocumentElement.OuterHtml, StringComparison.Ordinal);
        Assert.Contains("Removed by moderators", page.Document.DocumentElement.OuterHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("against the rules", page.Document.DocumentElement.OuterHtml, StringComparison.Ordinal);

        var notes = await rig.JsonAsync(HttpMethod.Get, "/api/v1/notifications", cast.Author.Token);
        var note = notes.GetProperty("items").EnumerateArray().First();
        Assert.Equal("post_removed", note.GetProperty("kind").GetString());
        Assert.Equal("Selling things is against the rules.", note.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, note.GetProperty("actor").ValueKind); // the moderator is never named
        var notesPage = await cast.Author.Web.GetAsync("/notifications");
        Assert.DoesNotContain(cast.Moderator.Name, notesPage.Document.DocumentElement.OuterHtml, StringComparison.Ordinal);
        Assert.Contains("Selling things is against the rules.", notesPage.Document.DocumentElement.OuterHtml, StringComparison.Ordinal);

        // Removed once: 409. Restored: everyone reads it again, the author is told, the log has both.
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/posts/{cast.Reply}/remove", cast.Moderator.Token, new { reason = "again" }, HttpStatusCode.Conflict);
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/posts/{cast.Reply}/restore", cast.Owner.Token, new { });
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/posts/{cast.Reply}/restore", cast.Owner.Token, new { }, HttpStatusCode.Conflict);
        var restored = ReplyIn(await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{cast.Thread}", cast.Member.Token), cast.Reply);
        Assert.False(restored.GetProperty("removed").GetBoolean());
        Assert.Equal("Buy my pills at example.test", restored.GetProperty("content").GetString());

        var log = await fixture.Server.Get<ModerationLog>().ListForGroupAsync(await GroupIdAsync(cast.Slug), withModerators: true);
        Assert.Equal([ModerationActions.PostRestored, ModerationActions.PostRemoved], log.Items.Select(i => i.Action));
        Assert.Equal(cast.Moderator.Name, log.Items[1].ModeratorName);
        Assert.Equal("Selling things is against the rules.", log.Items[1].Reason);
    }

    [Fact]
    public async Task A_removed_thread_leaves_the_list_takes_no_replies_and_can_show_its_reason_to_members()
    {
        var rig = Rig;
        var cast = await CastAsync();
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/posts/{cast.Thread}/remove", cast.Owner.Token, new { reason = "Off topic for this group.", showReason = true });
        var list = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{cast.Slug}/threads", cast.Member.Token);
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetGuid() == cast.Thread);
        var thread = (await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{cast.Thread}", cast.Member.Token)).GetProperty("thread");
        Assert.Equal(("", "", true, "Off topic for this group."),
            (thread.GetProperty("title").GetString(), thread.GetProperty("content").GetString(), thread.GetProperty("removed").GetBoolean(), thread.GetProperty("removalReason").GetString()));
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/threads/{cast.Thread}/replies", cast.Member.Token, new { content = "hello?" }, HttpStatusCode.Conflict);
        var page = await cast.Member.Web.GetAsync($"/threads/{cast.Thread}");
        Assert.Contains("Removed by moderators: Off topic for this group.", page.Document.DocumentElement.OuterHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("It has been hard.", page.Document.DocumentElement.OuterHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_moderators_owners_and_admins_may_remove_with_a_reason_and_hidden_groups_stay_hidden()
    {
        var rig = Rig;
        var cast = await CastAsync();
        var outsider = await rig.MemberAsync();
        var admin = await rig.AdminAsync();
        var member = await rig.SendAsync(HttpMethod.Post, $"/api/v1/posts/{cast.Reply}/remove", cast.Member.Token, new { reason = "no" });
        Assert.Equal(HttpStatusCode.Forbidden, member.StatusCode);
        Assert.Contains("Only the group's moderators can remove posts.", await member.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/posts/{cast.Reply}/remove", outsider.Token, new { reason = "no" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/posts/{cast.Reply}/remove", cast.Author.Token, new { reason = "no" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/posts/{Guid.NewGuid()}/remove", cast.Moderator.Token, new { reason = "x" })).StatusCode);
        var noReason = await rig.SendAsync(HttpMethod.Post, $"/api/v1/posts/{cast.Reply}/remove", cast.Moderator.Token, new { reason = " " });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("reason", await noReason.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/posts/{cast.Reply}/restore", cast.Member.Token, new { })).StatusCode);

        // An instance admin who is not in the group may act on it.
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/posts/{cast.Reply}/remove", admin.Token, new { reason = "Spam." });

        var hidden = await CastAsync("members");
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/posts/{hidden.Reply}/remove", outsider.Token, new { reason = "no" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/posts/{hidden.Reply}/remove", hidden.Member.Token, new { reason = "no" })).StatusCode);
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/posts/{hidden.Reply}/remove", hidden.Moderator.Token, new { reason = "Spam." });
    }

    [Fact]
    public async Task Removal_and_restore_go_to_other_servers_as_the_moderators_Delete_and_Undo_Announced_by_the_group()
    {
        var rig = Rig;
        using var remote = new FakeRemote();
        var cast = await CastAsync();
        await Fed.FollowAsync(remote, cast.Slug);
        var sharedInbox = new Uri(remote.Origin, "/inbox");
        var urls = fixture.Server.Get<ActorUrls>();
        var moderator = urls.User(cast.Moderator.Name);
        var replyId = urls.Reply(cast.Reply);

        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/posts/{cast.Reply}/remove", cast.Moderator.Token, new { reason = "Spam." });
        var delete = GroupFedRig.Parse(Assert.Single(await Fed.JobsAsync(moderator, sharedInbox)));
        Assert.Equal(("Delete", replyId.AbsoluteUri, "Spam.", moderator.AbsoluteUri), ((string?)delete["type"], (string?)delete["object"], (string?)delete["summary"], (string?)delete["actor"]));
        Assert.Equal(Fed.GroupId(cast.Slug).AbsoluteUri, (string?)delete["audience"]);
        var announces = (await Fed.JobsAsync(Fed.GroupId(cast.Slug), sharedInbox)).Select(GroupFedRig.Parse).Where(j => (string?)j["type"] == "Announce").ToList();
        Assert.Contains(announces, a => (string?)a["object"]!["id"] == (string?)delete["id"]);

        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/posts/{cast.Reply}/restore", cast.Moderator.Token, new { });
        var undo = (await Fed.JobsAsync(moderator, sharedInbox)).Select(GroupFedRig.Parse).Single(j => (string?)j["type"] == "Undo");
        Assert.Equal((string?)delete["id"], (string?)undo["object"]!["id"]);
        Assert.Equal("Delete", (string?)undo["object"]!["type"]);
        announces = (await Fed.JobsAsync(Fed.GroupId(cast.Slug), sharedInbox)).Select(GroupFedRig.Parse).Where(j => (string?)j["type"] == "Announce").ToList();
        Assert.Contains(announces, a => (string?)a["object"]!["id"] == (string?)undo["id"]);
    }

    private async Task<Guid> GroupIdAsync(string slug)
    {
        await using var c = await Fed.OpenAsync();
        return await Dapper.SqlMapper.QuerySingleAsync<Guid>(c, "SELECT id FROM groups WHERE slug = @slug", new { slug });
    }
}

public sealed class RemovePostTestsOnSqlite(FederatedSqliteServer f) : RemovePostTests<FederatedSqliteServer>(f);

public sealed class RemovePostTestsOnPostgres(FederatedPostgresServer f) : RemovePostTests<FederatedPostgresServer>(f);
