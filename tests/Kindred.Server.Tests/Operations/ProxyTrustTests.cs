using Kindred.Server.Configuration;
using Kindred.Server.Web;
using System.Net;
using Kindred.Server.Tests.TestRig;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kindred.Server.Tests.Operations;

/// <summary>
/// An https instance behind a proxy it does not trust (any container set-up): pages explain instead of answering 500,
/// urgent help is always served, the proxy is logged once with the setting to change, and /readyz says so.
/// </summary>
public sealed class ProxyTrustTests
{
    private static async Task<(KindredTestServer Server, LogCollector Logs)> StartHttpsAsync(bool trustLoopback)
    {
        var logs = new LogCollector();
        var port = KindredTestServer.FreePort();
        var server = await KindredTestServer.StartAsync(DatabaseKind.Sqlite,
            s => s["Kindred:PublicUrl"] = $"https://127.0.0.1:{port}",
            b =>
            {
                b.Logging.AddProvider(logs);
                if (!trustLoopback)
                {
                    // The test client stands for a proxy on another address: trust nothing, as for a container's gateway.
                    b.Services.PostConfigure<ForwardedHeadersOptions>(o =>
                    {
                        o.KnownProxies.Clear();
                        o.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // the obsolete list is still consulted
                        o.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
                        o.KnownProxies.Add(System.Net.IPAddress.Parse("10.9.9.9"));
                    });
                }
            });
        return (server, logs);
    }

    /// <summary>The proxy's side of the connection: plain http to Kindred's listening port.</summary>
    private static WebSession Plain(KindredTestServer server) => new(new UriBuilder(server.BaseAddress) { Scheme = "http" }.Uri);

    private static HttpRequestMessage ViaProxy(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        return request;
    }

    [Fact]
    public async Task An_untrusted_proxy_gets_an_explanation_not_a_500_and_is_named_in_the_log_and_readyz()
    {
        var (server, logs) = await StartHttpsAsync(trustLoopback: false);
        await using var _ = server;
        using var session = Plain(server);

        foreach (var path in new[] { "/signin", "/register", "/" })
        {
            var page = await session.Http.SendAsync(ViaProxy(HttpMethod.Get, path));
            Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
            Assert.Contains("This connection is not secure", await page.Content.ReadAsStringAsync());
        }

        var help = await session.Http.SendAsync(ViaProxy(HttpMethod.Get, "/help/urgent"));
        Assert.Equal(HttpStatusCode.OK, help.StatusCode);
        Assert.Contains("not a crisis service", await help.Content.ReadAsStringAsync());

        var post = ViaProxy(HttpMethod.Post, "/signin");
        post.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "someone", ["password"] = "a guess at it" });
        var posted = await session.Http.SendAsync(post);
        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Contains("This connection is not secure", await posted.Content.ReadAsStringAsync());

        var warnings = logs.Lines.Where(l => l.Contains("does not trust", StringComparison.Ordinal)).ToList();
        var warning = Assert.Single(warnings); // once, however many requests
        Assert.Contains("127.0.0.1", warning);
        Assert.Contains("Kindred__ReverseProxy__TrustedProxies__0=127.0.0.1", warning);

        var ready = await session.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = await ready.Content.ReadAsStringAsync();
        Assert.StartsWith("Degraded", body);
        Assert.Contains("untrusted proxy at 127.0.0.1", body);
    }

    [Fact]
    public async Task A_trusted_proxy_that_says_https_gets_the_pages_and_readyz_stays_healthy()
    {
        var (server, logs) = await StartHttpsAsync(trustLoopback: true);
        await using var _ = server;
        using var session = Plain(server);

        var signin = await session.Http.SendAsync(ViaProxy(HttpMethod.Get, "/signin"));
        Assert.Equal(HttpStatusCode.OK, signin.StatusCode);
        Assert.Contains("name=\"__csrf\"", await signin.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", await (await session.Http.GetAsync("/readyz")).Content.ReadAsStringAsync());
        Assert.DoesNotContain(logs.Lines, l => l.Contains("ProxyTrust", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plain_http_without_forwarded_headers_is_explained_and_logged_once()
    {
        var (server, logs) = await StartHttpsAsync(trustLoopback: true);
        await using var _ = server;
        using var session = Plain(server);

        for (var i = 0; i < 2; i++)
        {
            var page = await session.Http.GetAsync("/signin");
            Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await session.Http.GetAsync("/help/urgent")).StatusCode);
        var warning = Assert.Single(logs.Lines, l => l.Contains("without an X-Forwarded-Proto header", StringComparison.Ordinal));
        Assert.Contains("127.0.0.1", warning);
    }
}
