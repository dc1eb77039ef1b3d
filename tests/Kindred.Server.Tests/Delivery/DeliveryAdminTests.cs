using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Tests.TestRig;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static Kindred.Server.Tests.Delivery.DeliveryRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Delivery;

/// <summary>Delivery health for admins: the page with its actions, and the API.</summary>
public abstract class DeliveryAdminTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture, IFakeClock
{
    private KindredTestServer Server => fixture.Server;

    [Fact]
    public async Task Admins_see_failures_per_instance_and_can_retry_them_from_the_page()
    {
        using var inbox = Inbox();
        inbox.Given(Request.Create().UsingPost()).InScenario("gone").WillSetStateTo("back").RespondWith(Response.Create().WithStatusCode(410));
        inbox.Given(Request.Create().UsingPost()).InScenario("gone").WhenStateIs("back").RespondWith(Response.Create().WithStatusCode(202));
        var actor = ActorOf(Server);
        var activity = Activity(actor);
        var url = InboxUrl(inbox);
        await EnqueueAsync(Server, actor, activity, new DeliveryTarget(url));
        await WaitForStateAsync(Server, IdOf(activity), "failed");
        var host = Hosts.Authority(url);

        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, await Accounts.CreateWithCliAsync(Server, "admin"));
        var page = await session.GetAsync("/admin/federation/deliveries");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var row = page.Document.QuerySelector($"tr[data-host='{host}']");
        Assert.NotNull(row);
        Assert.Equal("1", row.QuerySelector(".failed")!.TextContent.Trim());
        Assert.Contains("410", row.TextContent, StringComparison.Ordinal);
        // What the inbox turned away and how the resolver caches do, for this node.
        Assert.Contains("answered from memory", page.Text("main"), StringComparison.Ordinal);

        var form = page.Document.QuerySelectorAll("form[action='/admin/federation/deliveries/retry']")
            .Single(f => f.QuerySelector("input[name=host]")?.GetAttribute("value") == host);
        var fields = form.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value")!));
        var response = await session.Http.PostAsync("/admin/federation/deliveries/retry", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        await WaitForStateAsync(Server, IdOf(activity), "delivered");
    }

    [Fact]
    public async Task After_an_instance_recovers_its_old_error_is_no_longer_shown_beside_delivering()
    {
        using var inbox = Inbox();
        inbox.Given(Request.Create().UsingPost()).InScenario("flaky").WillSetStateTo("fine").RespondWith(Response.Create().WithStatusCode(503));
        inbox.Given(Request.Create().UsingPost()).InScenario("flaky").WhenStateIs("fine").RespondWith(Response.Create().WithStatusCode(202));
        var actor = ActorOf(Server);
        var url = InboxUrl(inbox);
        var host = Hosts.Authority(url);
        var first = Activity(actor);
        await EnqueueAsync(Server, actor, first, new DeliveryTarget(url));
        await WaitForJobAsync(Server, IdOf(first), j => j is { State: "queued", Attempts: 1, LastStatus: 503 }, "the 503 recorded and a retry due later");
        Advance(Server, fixture.Clock, Options(Server).MaxRetryDelay);
        await WaitForStateAsync(Server, IdOf(first), "delivered");

        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, await Accounts.CreateWithCliAsync(Server, "admin"));
        var row = (await session.GetAsync("/admin/federation/deliveries")).Document.QuerySelector($"tr[data-host='{host}']")!;
        Assert.Equal("Delivering", row.QuerySelector(".state")!.TextContent.Trim());
        // The host cell names the port, which may itself contain "503": look everywhere else in the row.
        Assert.DoesNotContain("503", row.TextContent.Replace(host, "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal("", row.QuerySelector(".last-error")?.TextContent.Trim());
    }

    [Fact]
    public async Task The_page_needs_an_admin_and_its_forms_need_the_csrf_token()
    {
        using var member = Server.NewSession();
        await Accounts.SignInAsync(member, await Accounts.RegisterAsync(Server));
        var page = await member.Http.GetAsync("/admin/federation/deliveries");
        Assert.NotEqual(HttpStatusCode.OK, page.StatusCode);

        using var admin = Server.NewSession();
        await Accounts.SignInAsync(admin, await Accounts.CreateWithCliAsync(Server, "admin"));
        var forged = await admin.Http.PostAsync("/admin/federation/deliveries/resume",
            new FormUrlEncodedContent([new("host", "example.org")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    [Fact]
    public async Task The_api_lists_instances_and_answers_404_for_unknown_ones()
    {
        using var inbox = Inbox();
        inbox.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(202));
        var actor = ActorOf(Server);
        var activity = Activity(actor);
        var url = InboxUrl(inbox);
        await EnqueueAsync(Server, actor, activity, new DeliveryTarget(url));
        await WaitForStateAsync(Server, IdOf(activity), "delivered");

        using var session = Server.NewSession();
        var memberToken = await Accounts.TokenAsync(Server, await Accounts.RegisterAsync(Server));
        Assert.Equal(HttpStatusCode.Forbidden, (await session.GetWithTokenAsync("/api/v1/admin/federation/deliveries", memberToken)).StatusCode);

        var token = await Accounts.TokenAsync(Server, await Accounts.CreateWithCliAsync(Server, "admin"));
        var response = await session.GetWithTokenAsync("/api/v1/admin/federation/deliveries", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        var instance = json.GetProperty("instances").EnumerateArray().Single(i => i.GetProperty("host").GetString() == Hosts.Authority(url));
        Assert.Equal("closed", instance.GetProperty("state").GetString());
        Assert.Equal(0, instance.GetProperty("queued").GetInt64());
        Assert.NotEqual(JsonValueKind.Null, instance.GetProperty("lastSuccessAt").ValueKind);

        var unknown = await session.PostJsonAsync("/api/v1/admin/federation/deliveries/nowhere.example/retry", new { }, token);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}

public sealed class DeliveryAdminTestsOnSqlite(DeliverySqliteServer f) : DeliveryAdminTests<DeliverySqliteServer>(f);

public sealed class DeliveryAdminTestsOnPostgres(DeliveryPostgresServer f) : DeliveryAdminTests<DeliveryPostgresServer>(f);
