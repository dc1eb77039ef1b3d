using Kindred.Server.Web;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.ActivityPub.Keys;
using Kindred.Server.Data;
using Kindred.Server.Federation;
using Kindred.Server.Federation.Resolution;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Federation;

/// <summary>
/// Which keys may speak for a remote actor (docs/federation.md, "Signatures"): documents served as ActivityStreams
/// only, keys the owner's own actor document lists, and keys revoked when their URL answers 410 Gone or the actor
/// deletes itself.
/// </summary>
public abstract class KeyTrustTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;
    private Uri SharedInbox => new(Server.BaseAddress, "/inbox");

    private async Task<Uri> NewMemberAsync() => Server.Get<ActorUrls>().User(await Accounts.RegisterAsync(Server));

    [Theory]
    [InlineData("text/html")]
    [InlineData("image/png")]
    [InlineData("application/octet-stream")]
    [InlineData("application/json")]
    [InlineData("application/ld+json; profile=\"https://www.w3.org/ns/did/v1\"")]
    public async Task An_actor_document_not_served_as_ActivityStreams_speaks_for_no_one(string contentType)
    {
        using var remote = new FakeRemote();
        remote.ServeActor(contentType);
        var member = await NewMemberAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await remote.PostSignedAsync(SharedInbox, remote.Follow(member))).StatusCode);
    }

    [Theory]
    [InlineData("application/activity+json")]
    [InlineData("application/activity+json; charset=utf-8")]
    [InlineData("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"")]
    [InlineData("application/ld+json")]
    public async Task Actor_documents_served_as_ActivityStreams_or_JSON_LD_are_read(string contentType)
    {
        using var remote = new FakeRemote();
        remote.ServeActor(contentType);
        var member = await NewMemberAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostSignedAsync(SharedInbox, remote.Follow(member))).StatusCode);
    }

    [Fact]
    public async Task A_key_document_on_the_actors_origin_that_the_actor_does_not_list_speaks_for_no_one()
    {
        using var remote = new FakeRemote();
        var member = await NewMemberAsync();

        // Someone who can put a file on harriet's server (an upload) writes key documents naming her as the owner.
        using var rsa = SigningKey.FromPkcs8($"{remote.Origin}uploads/key.json", KeyGeneration.GenerateRsa().Pkcs8PrivateKey);
        remote.Serve("/uploads/key.json", KeyDocument(rsa.KeyId, "CryptographicKey", "owner", remote.ActorId, "publicKeyPem", rsa.ExportPublicKeyPem()));
        using var ed = SigningKey.FromPkcs8($"{remote.Origin}uploads/multikey.json", KeyGeneration.GenerateEd25519().Pkcs8PrivateKey);
        remote.Serve("/uploads/multikey.json", KeyDocument(ed.KeyId, "Multikey", "controller", remote.ActorId, "publicKeyMultibase", ed.ExportPublicKeyMultibase()));
        // Or an actor document claiming to be harriet, listing its own key.
        using var fake = SigningKey.FromPkcs8($"{remote.Origin}uploads/actor.json#key", KeyGeneration.GenerateRsa().Pkcs8PrivateKey);
        var impostor = remote.ActorDocument();
        impostor["publicKey"] = new JsonObject { ["id"] = fake.KeyId, ["owner"] = remote.ActorId.AbsoluteUri, ["publicKeyPem"] = fake.ExportPublicKeyPem() };
        remote.Serve("/uploads/actor.json", impostor);

        foreach (var key in new[] { rsa, ed, fake })
        {
            var follow = remote.Follow(member);
            var response = await remote.PostSignedAsync(SharedInbox, JsonOutput.Serialize(follow), key: key);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{key.KeyId}: {response.StatusCode}");
        }

        await using var c = await Server.Get<Database>().OpenAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbox_activities WHERE actor_id = @a", new { a = remote.ActorId.AbsoluteUri }));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM remote_keys WHERE key_id LIKE '%uploads%' AND actor_id = @a", new { a = remote.ActorId.AbsoluteUri }));
    }

    [Fact]
    public async Task Stand_alone_RSA_and_Multikey_documents_the_actor_lists_by_id_are_accepted()
    {
        using var remote = new FakeRemote();
        var member = await NewMemberAsync();
        using var rsa = SigningKey.FromPkcs8($"{remote.Origin}keys/rsa", KeyGeneration.GenerateRsa().Pkcs8PrivateKey);
        using var ed = SigningKey.FromPkcs8($"{remote.Origin}keys/ed25519", KeyGeneration.GenerateEd25519().Pkcs8PrivateKey);
        remote.Serve("/keys/rsa", KeyDocument(rsa.KeyId, "CryptographicKey", "owner", remote.ActorId, "publicKeyPem", rsa.ExportPublicKeyPem()));
        remote.Serve("/keys/ed25519", KeyDocument(ed.KeyId, "Multikey", "controller", remote.ActorId, "publicKeyMultibase", ed.ExportPublicKeyMultibase()),
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"");
        remote.ServeActor(edit: actor =>
        {
            actor["publicKey"] = new JsonArray(actor["publicKey"]!.DeepClone(), rsa.KeyId);
            actor["assertionMethod"] = new JsonArray(ed.KeyId);
        });

        foreach (var key in new[] { rsa, ed })
        {
            var response = await remote.PostSignedAsync(SharedInbox, JsonOutput.Serialize(remote.Follow(member)), key: key);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{key.KeyId}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task A_key_whose_actor_answers_410_Gone_is_revoked_and_verifies_nothing_more()
    {
        using var remote = new FakeRemote();
        var member = await NewMemberAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostSignedAsync(SharedInbox, remote.Follow(member))).StatusCode);

        remote.ServeGone();
        // A signature that does not verify with the cached key makes us ask the key's origin again (key rotation),
        // which now answers 410 Gone.
        using var other = SigningKey.FromPkcs8(remote.KeyId, KeyGeneration.GenerateRsa().Pkcs8PrivateKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await remote.PostSignedAsync(SharedInbox, JsonOutput.Serialize(remote.Follow(member)), key: other)).StatusCode);

        // The key we had cached is revoked: harriet's own signature no longer counts.
        Assert.Equal(HttpStatusCode.Unauthorized, (await remote.PostSignedAsync(SharedInbox, remote.Follow(member))).StatusCode);
        await using var c = await Server.Get<Database>().OpenAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM remote_keys WHERE actor_id = @a", new { a = remote.ActorId.AbsoluteUri }));
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM remote_actors WHERE id = @a AND gone_at IS NOT NULL", new { a = remote.ActorId.AbsoluteUri }));
    }

    [Fact]
    public async Task A_Delete_of_the_actor_by_itself_revokes_its_keys_at_once()
    {
        using var remote = new FakeRemote();
        var member = await NewMemberAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostSignedAsync(SharedInbox, remote.Follow(member))).StatusCode);

        remote.ServeGone();
        var delete = ActivityJson.Delete(new Uri($"{remote.Origin}activities/{Guid.NewGuid():N}"), remote.ActorId, remote.ActorId,
            [new Uri("https://www.w3.org/ns/activitystreams#Public")]);
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostSignedAsync(SharedInbox, delete)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await remote.PostSignedAsync(SharedInbox, remote.Follow(member))).StatusCode);
    }

    [Fact]
    public async Task The_key_cache_counts_hits_and_misses()
    {
        using var remote = new FakeRemote();
        var member = await NewMemberAsync();
        var before = Server.Get<ActorResolver>().Stats;
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostSignedAsync(SharedInbox, remote.Follow(member))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostSignedAsync(SharedInbox, remote.Follow(member))).StatusCode);
        var after = Server.Get<ActorResolver>().Stats;
        Assert.True(after.Keys.Misses > before.Keys.Misses, "the first signature is a miss");
        Assert.True(after.Keys.Hits > before.Keys.Hits, "the second is answered from memory");
        Assert.True(after.Keys.Count <= after.Keys.Capacity);
    }

    private static JsonObject KeyDocument(string id, string type, string ownerProperty, Uri owner, string materialProperty, string material) => new()
    {
        ["@context"] = new JsonArray("https://w3id.org/security/v1", "https://w3id.org/security/multikey/v1"),
        ["id"] = id,
        ["type"] = type,
        [ownerProperty] = owner.AbsoluteUri,
        [materialProperty] = material,
    };
}

public sealed class KeyTrustTestsOnSqlite(FederatedSqliteServer f) : KeyTrustTests<FederatedSqliteServer>(f);

public sealed class KeyTrustTestsOnPostgres(FederatedPostgresServer f) : KeyTrustTests<FederatedPostgresServer>(f);

/// <summary>The content-type rule and the bounded cache on their own.</summary>
public sealed class ResolutionUnitTests
{
    [Theory]
    [InlineData("application/activity+json", true)]
    [InlineData("Application/Activity+JSON; charset=utf-8", true)]
    [InlineData("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"", true)]
    [InlineData("application/ld+json; profile=\"https://example.org/x https://www.w3.org/ns/activitystreams\"", true)]
    [InlineData("application/ld+json", true)]
    [InlineData("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams#evil\"", false)]
    [InlineData("application/json", false)]
    [InlineData("text/html", false)]
    [InlineData("text/plain", false)]
    [InlineData("image/png", false)]
    [InlineData("application/octet-stream", false)]
    public void Only_ActivityStreams_and_JSON_LD_media_types_are_read(string contentType, bool acceptable) =>
        Assert.Equal(acceptable, ActivityPubMediaType.IsAcceptable(MediaTypeHeaderValue.Parse(contentType)));

    [Fact]
    public void No_content_type_is_not_ActivityStreams() => Assert.False(ActivityPubMediaType.IsAcceptable(null));

    [Fact]
    public void The_cache_keeps_at_most_its_capacity_and_counts_what_it_answers()
    {
        var cache = new ResolverCache<int, string>(10);
        var now = DateTimeOffset.UnixEpoch;
        for (var i = 0; i < 100; i++)
        {
            cache.Set(i, $"v{i}", now);
        }

        var counts = cache.Counts();
        Assert.True(counts.Count <= 10, $"{counts.Count} entries");
        Assert.True(counts.Evicted >= 90, $"{counts.Evicted} evicted");
        Assert.True(cache.TryGetFresh(99, now, TimeSpan.FromMinutes(1), out var latest));
        Assert.Equal("v99", latest);
        Assert.False(cache.TryGetFresh(0, now, TimeSpan.FromMinutes(1), out _));
        Assert.False(cache.TryGetFresh(99, now.AddMinutes(2), TimeSpan.FromMinutes(1), out _)); // stale
        counts = cache.Counts();
        Assert.Equal(1, counts.Hits);
        Assert.Equal(2, counts.Misses);
    }
}
