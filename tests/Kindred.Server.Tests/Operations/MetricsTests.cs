using System.Net;
using System.Text;
using Kindred.Server.Configuration;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Operations;

/// <summary>
/// Prometheus metrics (issue 20): off by default; when on, served at /metrics to the allowed networks only (loopback by
/// default), with Kindred's own counters (inbox outcomes, sign-ins), queue depths and the framework's request metrics.
/// </summary>
public sealed class MetricsTests
{
    private static async Task<(HttpStatusCode Status, string Body)> ScrapeAsync(KindredTestServer server)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var response = await http.GetAsync("/metrics", TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Off_by_default_metrics_are_not_served()
    {
        await using var server = await KindredTestServer.StartAsync(DatabaseKind.Sqlite);
        var (status, body) = await ScrapeAsync(server);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.DoesNotContain("kindred_", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_on_loopback_scrapes_inbox_outcomes_sign_ins_queue_depths_and_requests()
    {
        await using var server = await KindredTestServer.StartAsync(DatabaseKind.Sqlite, s => s["Kindred:Metrics:Enabled"] = "true");
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        // An unsigned inbox POST (refused 401) and a failed sign-in through the API.
        var inbox = await http.PostAsync("/inbox", new StringContent("""{"type":"Create"}""", Encoding.UTF8, "application/activity+json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, inbox.StatusCode);
        var signIn = await http.PostAsync("/api/v1/auth/token", new StringContent("""{"username":"nobody_here","password":"not the password"}""", Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);
        Assert.False(signIn.IsSuccessStatusCode);

        var body = "";
        await Eventually.UntilAsync("the metrics show the refused inbox POST", async () =>
        {
            var (status, text) = await ScrapeAsync(server);
            body = text;
            return status == HttpStatusCode.OK && text.Contains("outcome=\"bad_signature\"", StringComparison.Ordinal);
        }, () => Task.FromResult(body));

        Assert.Contains("kindred_inbox_requests", body, StringComparison.Ordinal);
        Assert.Contains("kindred_signin_attempts", body, StringComparison.Ordinal);
        Assert.Contains("outcome=\"invalid_credentials\"", body, StringComparison.Ordinal);
        Assert.Contains("kindred_queue_depth", body, StringComparison.Ordinal);
        Assert.Contains("queue=\"delivery\"", body, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration", body, StringComparison.Ordinal);
        // No member, group or post names in any tag.
        Assert.DoesNotContain("nobody_here", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Addresses_outside_the_allowed_networks_get_404()
    {
        await using var server = await KindredTestServer.StartAsync(DatabaseKind.Sqlite, s =>
        {
            s["Kindred:Metrics:Enabled"] = "true";
            s["Kindred:Metrics:AllowedNetworks:0"] = "10.0.0.0/8";
        });
        var (status, body) = await ScrapeAsync(server);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.DoesNotContain("kindred_", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_network_that_does_not_parse_stops_start_up_with_one_line_naming_it()
    {
        var ex = await Assert.ThrowsAsync<StartupException>(async () =>
        {
            await using var server = await KindredTestServer.StartAsync(DatabaseKind.Sqlite, s =>
            {
                s["Kindred:Metrics:Enabled"] = "true";
                s["Kindred:Metrics:AllowedNetworks:0"] = "the office";
            });
        });
        Assert.Contains("Kindred:Metrics:AllowedNetworks:0 'the office'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }
}
