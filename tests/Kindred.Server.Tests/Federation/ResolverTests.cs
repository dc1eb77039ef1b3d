using System.Net;
using System.Text;
using Kindred.ActivityPub.Signatures;
using Kindred.Server.Federation;
using Kindred.Server.Federation.Keys;
using Kindred.Server.Federation.Resolution;
using Kindred.Server.Tests.TestRig;
using Microsoft.Extensions.Options;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Federation;

/// <summary>
/// The resolver against WireMock "remote instances" on loopback: recorded actor documents, the SSRF guard (on by
/// default in this fixture), redirects, size and time limits. Only loopback is ever contacted.
/// </summary>
public sealed class ResolverTests(SqliteServer fixture) : IClassFixture<SqliteServer>
{
    private KindredTestServer Server => fixture.Server;

    /// <summary>A fetcher like the server's, but whose guard lets exactly 127.0.0.1 through (our WireMock) and nothing else special.</summary>
    private RemoteFetcher Fetcher(Action<FederationOptions>? configure = null)
    {
        var o = new FederationOptions();
        configure?.Invoke(o);
        var handler = FederationSetup.CreateHandler(o, a => a.Equals(IPAddress.Loopback) || !SsrfGuard.IsForbidden(a));
        return new RemoteFetcher(new Clients(handler), Server.Get<ActorKeys>(), Server.Get<ActorUrls>(), Server.Get<CavageSigner>(), Options.Create(o),
            Server.Get<Kindred.Server.Federation.Policy.FederationPolicy>());
    }

    private static string Recorded(string file, string originalOrigin, Uri mockOrigin) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "activitypub", file)).Replace(originalOrigin, mockOrigin.AbsoluteUri.TrimEnd('/'), StringComparison.Ordinal);

    [Fact]
    public async Task Recorded_Mastodon_and_Lemmy_actors_resolve_through_a_signed_GET()
    {
        using var remote = new FakeRemote();
        remote.Server.Given(Request.Create().WithPath("/users/mastodon").UsingGet()).RespondWith(Response.Create()
            .WithHeader("Content-Type", "application/activity+json").WithBody(Recorded("mastodon-person.json", "https://masto.qa.urbanwildlife.biz", remote.Origin)));
        remote.Server.Given(Request.Create().WithPath("/c/tenforward").UsingGet()).RespondWith(Response.Create()
            .WithHeader("Content-Type", "application/activity+json").WithBody(Recorded("lemmy-group.json", "https://enterprise.lemmy.ml", remote.Origin)));

        var fetcher = Fetcher();
        var person = await fetcher.GetAsync(new Uri(remote.Origin, "/users/mastodon"), CancellationToken.None);
        Assert.Contains("\"Person\"", Encoding.UTF8.GetString(person.Body), StringComparison.Ordinal);
        var group = await fetcher.GetAsync(new Uri(remote.Origin, "/c/tenforward"), CancellationToken.None);
        Assert.Contains("\"Group\"", Encoding.UTF8.GetString(group.Body), StringComparison.Ordinal);

        // Every GET was signed by our instance actor and asked for AS2.
        var sent = remote.Server.LogEntries.Select(e => e.RequestMessage).Where(r => r.Path is "/users/mastodon" or "/c/tenforward").ToList();
        Assert.Equal(2, sent.Count);
        Assert.All(sent, r =>
        {
            Assert.Contains(Server.Get<ActorUrls>().InstanceActor.AbsoluteUri + "#main-key", r.Headers!["Signature"][0], StringComparison.Ordinal);
            Assert.StartsWith("application/activity+json", r.Headers["Accept"][0], StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task With_the_guard_on_a_name_resolving_to_loopback_is_refused()
    {
        using var remote = new FakeRemote(host: "localhost");
        var error = await Assert.ThrowsAsync<ResolutionException>(() =>
            Server.Get<RemoteFetcher>().GetAsync(remote.ActorId, CancellationToken.None));
        Assert.Equal(ResolutionFailure.Refused, error.Failure);
        Assert.Empty(remote.Server.LogEntries);

        // And so an activity whose key lives on a private address is refused by the inbox.
        var member = Server.Get<ActorUrls>().User(await Accounts.RegisterAsync(Server));
        var response = await remote.PostSignedAsync(new Uri(Server.BaseAddress, "/inbox"), remote.Follow(member));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.0.0.1/users/x")]
    [InlineData("http://[::1]:1/users/x")]
    public async Task Redirects_to_private_addresses_are_refused(string target)
    {
        using var remote = new FakeRemote();
        remote.Server.Given(Request.Create().WithPath("/hop").UsingGet()).RespondWith(Response.Create().WithStatusCode(302).WithHeader("Location", target));
        var error = await Assert.ThrowsAsync<ResolutionException>(() => Fetcher().GetAsync(new Uri(remote.Origin, "/hop"), CancellationToken.None));
        Assert.True(error.Failure is ResolutionFailure.CrossOriginRedirect or ResolutionFailure.Refused, error.Failure.ToString());
    }

    [Fact]
    public async Task Same_origin_redirects_are_followed_at_most_three_times()
    {
        using var remote = new FakeRemote();
        for (var i = 0; i < 5; i++)
        {
            remote.Server.Given(Request.Create().WithPath($"/r{i}").UsingGet()).RespondWith(Response.Create().WithStatusCode(301).WithHeader("Location", $"/r{i + 1}"));
        }

        remote.Server.Given(Request.Create().WithPath("/r5").UsingGet()).RespondWith(Response.Create().WithBody("{}"));
        Assert.Equal("{}", Encoding.UTF8.GetString((await Fetcher().GetAsync(new Uri(remote.Origin, "/r2"), CancellationToken.None)).Body));
        var error = await Assert.ThrowsAsync<ResolutionException>(() => Fetcher().GetAsync(new Uri(remote.Origin, "/r0"), CancellationToken.None));
        Assert.Equal(ResolutionFailure.TooManyRedirects, error.Failure);
    }

    [Fact]
    public async Task Slow_and_oversized_responses_are_cut_off()
    {
        using var remote = new FakeRemote();
        remote.Server.Given(Request.Create().WithPath("/slow").UsingGet()).RespondWith(Response.Create().WithBody("{}").WithDelay(TimeSpan.FromSeconds(5)));
        remote.Server.Given(Request.Create().WithPath("/big").UsingGet()).RespondWith(Response.Create().WithBody(new string('x', 5000)));

        var slow = await Assert.ThrowsAsync<ResolutionException>(() => Fetcher(o => o.FetchTimeoutSeconds = 1).GetAsync(new Uri(remote.Origin, "/slow"), CancellationToken.None));
        Assert.Equal(ResolutionFailure.Timeout, slow.Failure);
        var big = await Assert.ThrowsAsync<ResolutionException>(() => Fetcher(o => o.MaxFetchBytes = 1000).GetAsync(new Uri(remote.Origin, "/big"), CancellationToken.None));
        Assert.Equal(ResolutionFailure.TooLarge, big.Failure);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("172.16.0.1", true)]
    [InlineData("192.168.1.1", true)]
    [InlineData("224.0.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("::1", true)]
    [InlineData("::", true)]
    [InlineData("fd00::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("ff02::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("64:ff9b::a00:1", true)]
    [InlineData("2002:a00:1::", true)]
    [InlineData("93.184.215.14", false)]
    [InlineData("2606:4700::1111", false)]
    public void The_guard_knows_which_addresses_are_special(string address, bool forbidden) =>
        Assert.Equal(forbidden, SsrfGuard.IsForbidden(IPAddress.Parse(address)));

    private sealed class Clients(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
