using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kindred.ActivityPub.Keys;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Federation;

/// <summary>WebFinger, host-meta, NodeInfo and actor documents as other servers fetch them.</summary>
public abstract class DiscoveryTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;
    private string Authority => $"{Server.BaseAddress.Host}:{Server.BaseAddress.Port}";

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string url, string accept = "application/activity+json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task WebFinger_finds_members_by_acct_and_by_actor_url_and_nothing_else()
    {
        var name = await Accounts.RegisterAsync(Server);
        using var session = Server.NewSession();
        var actor = new Uri(Server.BaseAddress, $"/users/{name}").AbsoluteUri;

        var jrd = await GetJsonAsync(session.Http, $"/.well-known/webfinger?resource=acct:{name}@{Authority}", "application/jrd+json");
        Assert.Equal($"acct:{name}@{Authority}", jrd.GetProperty("subject").GetString());
        var self = jrd.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "self");
        Assert.Equal("application/activity+json", self.GetProperty("type").GetString());
        Assert.Equal(actor, self.GetProperty("href").GetString());

        var byUrl = await GetJsonAsync(session.Http, $"/.well-known/webfinger?resource={Uri.EscapeDataString(actor)}", "application/jrd+json");
        Assert.Equal($"acct:{name}@{Authority}", byUrl.GetProperty("subject").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await session.Http.GetAsync($"/.well-known/webfinger?resource=acct:{name}@elsewhere.example")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await session.Http.GetAsync($"/.well-known/webfinger?resource=acct:nobody_here@{Authority}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await session.Http.GetAsync("/.well-known/webfinger")).StatusCode);

        var hostMeta = await session.Http.GetStringAsync("/.well-known/host-meta");
        Assert.Contains("/.well-known/webfinger?resource={uri}", hostMeta);
    }

    [Fact]
    public async Task NodeInfo_links_both_versions_and_the_instance_actor_and_counts_only_active_users()
    {
        await Accounts.RegisterAsync(Server);
        using var session = Server.NewSession();
        var links = await GetJsonAsync(session.Http, "/.well-known/nodeinfo", "application/json");
        var rels = links.GetProperty("links").EnumerateArray().ToDictionary(l => l.GetProperty("rel").GetString()!, l => l.GetProperty("href").GetString()!);
        Assert.Equal(new Uri(Server.BaseAddress, "/actor").AbsoluteUri, rels["https://www.w3.org/ns/activitystreams#Application"]);
        foreach (var version in new[] { "2.0", "2.1" })
        {
            var doc = await GetJsonAsync(session.Http, rels[$"http://nodeinfo.diaspora.software/ns/schema/{version}"], "application/json");
            Assert.Equal(version, doc.GetProperty("version").GetString());
            Assert.Equal("kindred", doc.GetProperty("software").GetProperty("name").GetString());
            Assert.True(doc.GetProperty("usage").GetProperty("users").GetProperty("total").GetInt64() >= 1);
            Assert.Equal(0, doc.GetProperty("usage").GetProperty("localPosts").GetInt64());
        }

        var instance = await GetJsonAsync(session.Http, "/actor");
        Assert.Equal("Application", instance.GetProperty("type").GetString());
        Assert.Equal(new Uri(Server.BaseAddress, "/actor").AbsoluteUri + "#main-key", instance.GetProperty("publicKey").GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_member_is_a_Person_by_content_negotiation_minimal_unless_the_fetch_is_signed()
    {
        var name = await Accounts.RegisterAsync(Server);
        using var session = Server.NewSession();
        var actor = new Uri(Server.BaseAddress, $"/users/{name}");

        Assert.Equal(HttpStatusCode.NotFound, (await session.Http.GetAsync(actor)).StatusCode);
        var minimal = await GetJsonAsync(session.Http, actor.AbsoluteUri, "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"");
        Assert.Equal("Person", minimal.GetProperty("type").GetString());
        Assert.Equal(actor.AbsoluteUri, minimal.GetProperty("id").GetString());
        Assert.False(minimal.TryGetProperty("name", out _));
        Assert.Equal(actor.AbsoluteUri + "/inbox", minimal.GetProperty("inbox").GetString());
        var pem = minimal.GetProperty("publicKey").GetProperty("publicKeyPem").GetString()!;
        using var key = VerificationKey.FromPem(actor.AbsoluteUri + "#main-key", actor, pem);
        Assert.Equal(2048, key.RsaKeySizeInBits);
        var multikey = minimal.GetProperty("assertionMethod")[0];
        Assert.Equal("Multikey", multikey.GetProperty("type").GetString());
        Assert.Equal(actor.AbsoluteUri + "#ed25519-key", multikey.GetProperty("id").GetString());
        // Only contexts peers have offline (Fedify fails on any other URL).
        var contexts = minimal.GetProperty("@context").EnumerateArray().Where(c => c.ValueKind == JsonValueKind.String).Select(c => c.GetString()).ToList();
        Assert.Equal(["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1", "https://w3id.org/security/data-integrity/v1", "https://w3id.org/security/multikey/v1"], contexts);

        using var remote = new FakeRemote();
        var signed = await remote.GetSignedAsync(actor);
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Equal("application/activity+json", signed.Content.Headers.ContentType?.MediaType);
        var full = await signed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(name, full.GetProperty("name").GetString());
        Assert.False(full.GetProperty("discoverable").GetBoolean());

        Assert.Equal(HttpStatusCode.NotFound, (await session.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/users/nobody_here") { Headers = { { "Accept", "application/activity+json" } } })).StatusCode);
    }
}

public sealed class DiscoveryTestsOnSqlite(FederatedSqliteServer f) : DiscoveryTests<FederatedSqliteServer>(f);

public sealed class DiscoveryTestsOnPostgres(FederatedPostgresServer f) : DiscoveryTests<FederatedPostgresServer>(f);
