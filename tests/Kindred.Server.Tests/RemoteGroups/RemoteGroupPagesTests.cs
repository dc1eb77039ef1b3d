using System.Net;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.RemoteGroups;

/// <summary>The web side: the "join a group on another server" form, "your groups" with the state, the group and thread pages.</summary>
public abstract class RemoteGroupPagesTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private static readonly string[] LemmyHosts = ["enterprise.lemmy.ml", "ds9.lemmy.ml"];

    [Fact]
    public async Task The_join_form_sends_the_request_lists_it_as_waiting_and_shows_received_threads_once_accepted()
    {
        using var group = new FakeGroupServer("main", "/c/main");
        var rig = new RemoteGroupRig(fixture.Server);
        var member = await rig.Groups.MemberAsync();

        var sent = await member.Web.SubmitAsync("/groups", "/groups/join-remote", new Dictionary<string, string> { ["address"] = "@" + group.Address });
        Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        Assert.Equal($"/groups/{group.Address}?notice=remote-join-requested", sent.Headers.Location!.OriginalString);
        var page = await member.Web.GetAsync($"/groups/{group.Address}");
        Assert.Contains($"This group lives on {group.Origin.Authority}", page.Text(".federation-note"), StringComparison.Ordinal);
        Assert.Contains("You will be a member as soon as the group accepts it", page.Text(".membership"), StringComparison.Ordinal);
        var mine = await member.Web.GetAsync("/groups?mine=1");
        Assert.Contains("Waiting for the group to accept", mine.Text(".group-list"), StringComparison.Ordinal);

        var follow = System.Text.Json.Nodes.JsonNode.Parse(await rig.ScalarAsync<string>(
            "SELECT body FROM delivery_jobs WHERE inbox_url = @inbox AND body LIKE '%\"Follow\"%'", new { inbox = group.GroupInbox.AbsoluteUri }))!.AsObject();
        await rig.DeliverAsync(group, group.Answer("Accept", follow));
        await rig.DeliverAsync(group, RemoteGroupRig.Recorded("lemmy/activities/community/announce_create_page.json", group, LemmyHosts));
        page = await member.Web.GetAsync($"/groups/{group.Address}");
        Assert.Contains("post 4", page.Text("main"), StringComparison.Ordinal);
        Assert.NotNull(page.Document.QuerySelector($"form[action='/groups/{group.Address}/leave']"));

        var thread = (await rig.ThreadAsync(group.Id("/post/7")))!;
        var threadPage = await member.Web.GetAsync($"/threads/{thread.Id}");
        Assert.Equal(HttpStatusCode.OK, threadPage.Status);
        Assert.Contains($"lemmy_beta@{group.Origin.Authority}", threadPage.Text(".thread .meta"), StringComparison.Ordinal);
        Assert.Contains($"from {group.Origin.Authority}", threadPage.Text(".thread .meta"), StringComparison.Ordinal);
        Assert.Contains($"your reply is sent to that server", threadPage.Text("main"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failures_are_shown_next_to_the_address_with_the_input_kept()
    {
        using var group = new FakeGroupServer();
        var rig = new RemoteGroupRig(fixture.Server);
        var member = await rig.Groups.MemberAsync();
        async Task<WebSession.Page> Submit(string address) => await WebSession.ParseAsync(
            await member.Web.SubmitAsync("/groups", "/groups/join-remote", new Dictionary<string, string> { ["address"] = address }));

        var unknown = await Submit($"nobody@{group.Origin.Authority}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Contains("no group called", unknown.Text("#address-error"), StringComparison.Ordinal);
        Assert.Equal($"nobody@{group.Origin.Authority}", unknown.Document.QuerySelector("#address")!.GetAttribute("value"));

        var person = await Submit($"harriet@{group.Origin.Authority}");
        Assert.Equal(HttpStatusCode.BadRequest, person.Status);
        Assert.Contains("is not a group", person.Text("#address-error"), StringComparison.Ordinal);

        var garbage = await Submit("not an address");
        Assert.Equal(HttpStatusCode.BadRequest, garbage.Status);
        Assert.Contains("like name@example.org", garbage.Text("#address-error"), StringComparison.Ordinal);

        using var nobodyListens = LoopbackPort.Reserve();
        var unreachable = await Submit($"carers@127.0.0.1:{nobodyListens.Port}");
        Assert.Equal(HttpStatusCode.BadGateway, unreachable.Status);
        Assert.Contains("could not be reached", unreachable.Text("#address-error"), StringComparison.Ordinal);
    }
}

public sealed class RemoteGroupPagesTestsOnSqlite(FederatedSqliteServer f) : RemoteGroupPagesTests<FederatedSqliteServer>(f);

public sealed class RemoteGroupPagesTestsOnPostgres(FederatedPostgresServer f) : RemoteGroupPagesTests<FederatedPostgresServer>(f);
