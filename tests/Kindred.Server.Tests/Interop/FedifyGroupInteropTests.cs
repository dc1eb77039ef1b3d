using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Federation;
using Kindred.Server.Tests.GroupFederation;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Interop;

/// <summary>
/// The Fedify peer as a remote member of one of our groups (FEP-1b12): it follows the group and gets the Accept, posts a
/// Page to the group that appears on the group's page, and receives the group's Announce of a local member's thread.
/// </summary>
public sealed class FedifyGroupInteropTests(FederatedSqliteServer server, FedifyPeer peer) : IClassFixture<FederatedSqliteServer>, IClassFixture<FedifyPeer>
{
    [Fact]
    public async Task Fedify_joins_our_group_posts_a_Page_to_it_and_receives_the_groups_Announce()
    {
        peer.EnsureAvailable();
        var rig = new GroupFedRig(server.Server);
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var group = rig.GroupId(slug).AbsoluteUri;

        var follow = await peer.PostAsync("/_peer/follow", new { @object = group });
        Assert.True(follow.GetProperty("ok").GetBoolean(), $"{follow}\n{peer.Log}");
        await PollAsync(async () => (await peer.GetAsync("/_peer/info")).GetProperty("following").EnumerateArray()
            .Any(f => f.GetProperty("target").GetString() == group && f.GetProperty("state").GetString() == "accepted"), "the group's Accept");

        var create = await peer.PostAsync("/_peer/create", new { to = group, type = "Page", name = "Hello from Fedify", content = "<p>Glad to be here.</p>" });
        Assert.True(create.GetProperty("ok").GetBoolean(), $"{create}\n{peer.Log}");
        await using (var c = await rig.OpenAsync())
        {
            await Waiting.ForRowAsync(c, "SELECT COUNT(*) FROM threads WHERE ap_id = @id", new { id = create.GetProperty("objectId").GetString() });
        }

        var page = await owner.Web.GetAsync($"/groups/{slug}");
        Assert.Contains("Hello from Fedify", page.Document.Body!.TextContent, StringComparison.Ordinal);

        var thread = await rig.Groups.ThreadAsync(owner, slug, "Welcome, everyone", "Say hello.");
        var threadId = server.Server.Get<ActorUrls>().Thread(thread).AbsoluteUri;
        await PollAsync(async () => (await peer.GetAsync("/_peer/inbox?type=Announce")).GetProperty("activities").EnumerateArray()
            .Any(a => a.GetRawText().Contains(threadId, StringComparison.Ordinal)), "the group's Announce of a local thread");
    }

    private Task PollAsync(Func<Task<bool>> done, string what) => Eventually.UntilAsync(what, done, async () =>
    {
        await using var c = await server.Server.Get<Database>().OpenAsync();
        var jobs = await c.QueryAsync<(string, string, string?)>("SELECT activity_id, state, last_error FROM delivery_jobs");
        return $"{string.Join("\n", jobs)}\n{peer.Log}";
    });
}
