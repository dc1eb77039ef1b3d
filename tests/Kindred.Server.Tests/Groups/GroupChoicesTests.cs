using System.Net;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Groups;

/// <summary>Combinations of group settings that cannot work are refused with a reason, on the web and in the API.</summary>
public abstract class GroupChoicesTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    [Fact]
    public async Task A_members_only_group_cannot_be_open_to_anyone_because_nobody_could_find_it()
    {
        var rig = new GroupRig(Server);
        var admin = await rig.AdminAsync();
        foreach (var policy in new[] { "open", "approval" })
        {
            var refused = await rig.SendAsync(HttpMethod.Post, "/api/v1/groups", admin.Token, new
            {
                slug = GroupRig.Slug(), name = "Hidden", visibility = "members", joinPolicy = policy,
            });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("invitation", await refused.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }

        var slug = GroupRig.Slug();
        var form = await admin.Web.SubmitAsync("/groups/new", "/groups", new Dictionary<string, string>
        {
            ["slug"] = slug, ["name"] = "Hidden", ["description"] = "", ["rules"] = "", ["visibility"] = "members", ["joinPolicy"] = "open",
            ["joinQuestion"] = "", ["federation"] = "local",
        });
        Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
        var page = await WebSession.ParseAsync(form);
        Assert.Contains("invitation", page.Text("#joinPolicy-error"), StringComparison.OrdinalIgnoreCase);
        // The form explains it before anyone gets it wrong.
        Assert.Contains("invitation", (await admin.Web.GetAsync("/groups/new")).Text("#joinPolicy-hint"), StringComparison.OrdinalIgnoreCase);

        // A public open group made members-only through the API must say how people join.
        var open = await rig.GroupAsync(admin);
        Assert.Equal(HttpStatusCode.BadRequest, (await rig.SendAsync(HttpMethod.Patch, $"/api/v1/groups/{open}", admin.Token, new { visibility = "members" })).StatusCode);
        await rig.JsonAsync(HttpMethod.Patch, $"/api/v1/groups/{open}", admin.Token, new { visibility = "members", joinPolicy = "invite" });
    }
}

public sealed class GroupChoicesTestsOnSqlite(SqliteServer f) : GroupChoicesTests<SqliteServer>(f);

public sealed class GroupChoicesTestsOnPostgres(PostgresServer f) : GroupChoicesTests<PostgresServer>(f);
