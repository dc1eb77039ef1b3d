using Kindred.Server.Web;
using System.Net;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Data;
using Kindred.Server.Federation;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Federation;

/// <summary>
/// A signature binds a request to the host it was made for (cavage <c>host</c>, RFC 9421 <c>@authority</c>): a
/// delivery signed for another server, replayed here with that server's Host, is refused, whatever the scheme.
/// </summary>
public abstract class HostBindingTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;
    private Uri SharedInbox => new(Server.BaseAddress, "/inbox");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_delivery_signed_for_another_host_and_replayed_here_is_refused(bool rfc9421)
    {
        using var remote = new FakeRemote();
        var member = Server.Get<ActorUrls>().User(await Accounts.RegisterAsync(Server));
        var follow = JsonOutput.Serialize(remote.Follow(member));

        // Made for another Kindred (same paths, same port and scheme, so only the host differs) and sent here as it was.
        var elsewhere = new Uri($"http://other.example:{SharedInbox.Port}/inbox");
        var replayed = await remote.PostSignedAsync(SharedInbox, follow, signedFor: elsewhere, rfc9421: rfc9421);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Contains("not to this instance", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The same delivery signed for this instance is accepted, by either scheme.
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostSignedAsync(SharedInbox, follow, rfc9421: rfc9421)).StatusCode);
        await using var c = await Server.Get<Database>().OpenAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbox_activities WHERE actor_id = @a", new { a = remote.ActorId.AbsoluteUri }));
    }
}

public sealed class HostBindingTestsOnSqlite(FederatedSqliteServer f) : HostBindingTests<FederatedSqliteServer>(f);

public sealed class HostBindingTestsOnPostgres(FederatedPostgresServer f) : HostBindingTests<FederatedPostgresServer>(f);

/// <summary>
/// An instance behind a reverse proxy on loopback (trusted by default) whose public URL is https://kindred.example:
/// the proxy forwards the public host and https. Signatures must be made for the public host.
/// </summary>
public sealed class ProxiedHttpsServer : SqliteServer
{
    public const string PublicHost = "kindred.example";

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["Kindred:PublicUrl"] = $"https://{PublicHost}";
        settings[KindredTestServer.ListenUrlSetting] = $"http://127.0.0.1:{KindredTestServer.FreePort()}";
        settings["Kindred:Federation:AllowPrivateAddresses"] = "true";
    }

    /// <summary>What the proxy adds to every request it passes on.</summary>
    public static void Forwarded(HttpRequestMessage request, string host = PublicHost)
    {
        request.Headers.Host = "127.0.0.1";
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", host);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.7");
    }
}

public sealed class ProxiedHostBindingTests(ProxiedHttpsServer fixture) : IClassFixture<ProxiedHttpsServer>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Behind_a_trusted_proxy_the_forwarded_public_host_is_the_one_signatures_must_name(bool rfc9421)
    {
        var server = fixture.Server;
        using var remote = new FakeRemote();
        var member = server.Get<ActorUrls>().User(await Accounts.RegisterAsync(server));
        var inbox = new Uri(server.BaseAddress, "/inbox");
        var follow = JsonOutput.Serialize(remote.Follow(member));

        var forUs = await remote.PostSignedAsync(inbox, follow, signedFor: new Uri($"https://{ProxiedHttpsServer.PublicHost}/inbox"), rfc9421: rfc9421,
            tamper: r => ProxiedHttpsServer.Forwarded(r));
        Assert.Equal(HttpStatusCode.Accepted, forUs.StatusCode);

        // A delivery made for another https server, passed on by the proxy with that host, is refused.
        var replayed = await remote.PostSignedAsync(inbox, follow, signedFor: new Uri("https://other.example/inbox"), rfc9421: rfc9421,
            tamper: r => ProxiedHttpsServer.Forwarded(r, "other.example"));
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
    }
}
