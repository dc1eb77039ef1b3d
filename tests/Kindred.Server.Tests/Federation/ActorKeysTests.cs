using System.Text;
using Dapper;
using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures;
using Kindred.Server.Data;
using Kindred.Server.Federation;
using Kindred.Server.Federation.Keys;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Federation;

/// <summary>Local actor keys: generated once, stored encrypted, usable for signing, stable across nodes.</summary>
public abstract class ActorKeysTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    [Fact]
    public async Task Keys_are_generated_once_sign_verifiably_and_are_encrypted_at_rest()
    {
        var keys = Server.Get<ActorKeys>();
        var actor = Server.Get<ActorUrls>().User(Accounts.UniqueName()).AbsoluteUri;

        var published = await keys.GetPublicKeysAsync(actor, CancellationToken.None);
        Assert.Equal(actor + "#main-key", published.RsaKeyId);
        Assert.Equal(actor + "#ed25519-key", published.Ed25519KeyId);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", published.RsaPublicKeyPem);
        Assert.StartsWith("z6Mk", published.Ed25519PublicKeyMultibase);

        var rsa = await keys.GetSigningKeyAsync(actor, CancellationToken.None);
        Assert.Equal(KeyType.Rsa, rsa.Type);
        Assert.Same(rsa, await keys.GetSigningKeyAsync(actor, CancellationToken.None));
        var data = Encoding.UTF8.GetBytes("signing string");
        using var rsaPublic = VerificationKey.FromPem(published.RsaKeyId, new Uri(actor), published.RsaPublicKeyPem);
        Assert.True(rsaPublic.Verify(HttpSignatureAlgorithm.RsaPkcs1Sha256, data, rsa.Sign(HttpSignatureAlgorithm.RsaPkcs1Sha256, data)));

        var ed = await keys.GetSigningKeyAsync(actor, KeyType.Ed25519, CancellationToken.None);
        using var edPublic = VerificationKey.FromMultibase(published.Ed25519KeyId, new Uri(actor), published.Ed25519PublicKeyMultibase);
        Assert.True(edPublic.Verify(HttpSignatureAlgorithm.Ed25519, data, ed.Sign(HttpSignatureAlgorithm.Ed25519, data)));

        await using var c = await Server.Get<Database>().OpenAsync();
        var stored = (await c.QueryAsync<string>("SELECT private_key_protected FROM actor_keys WHERE actor_id = @actor", new { actor })).ToList();
        Assert.Equal(2, stored.Count);
        foreach (var value in stored)
        {
            // A PKCS#8 DER starts with SEQUENCE (0x30); Data Protection output starts with its magic header 09 F0 C9 F0.
            var bytes = Convert.FromBase64String(value);
            Assert.Equal(new byte[] { 0x09, 0xF0, 0xC9, 0xF0 }, bytes[..4]);
        }
    }

    [Fact]
    public async Task A_second_instance_of_the_service_reads_the_same_keys_from_the_database()
    {
        var actor = Server.Get<ActorUrls>().User(Accounts.UniqueName()).AbsoluteUri;
        var first = await Server.Get<ActorKeys>().GetPublicKeysAsync(actor, CancellationToken.None);
        var other = ActivatorUtilitiesCreate<ActorKeys>();
        var second = await other.GetPublicKeysAsync(actor, CancellationToken.None);
        Assert.Equal(first, second);
        var signing = await other.GetSigningKeyAsync(actor, CancellationToken.None);
        Assert.Equal(first.RsaPublicKeyPem, signing.ExportPublicKeyPem());
    }

    [Fact]
    public async Task Keys_are_never_made_for_remote_actor_ids()
    {
        await Assert.ThrowsAsync<ArgumentException>(() =>
            Server.Get<ActorKeys>().GetSigningKeyAsync("https://elsewhere.example/users/x", CancellationToken.None));
    }

    private TService ActivatorUtilitiesCreate<TService>() =>
        Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<TService>(Server.Services);
}

public sealed class ActorKeysTestsOnSqlite(SqliteServer f) : ActorKeysTests<SqliteServer>(f);

public sealed class ActorKeysTestsOnPostgres(PostgresServer f) : ActorKeysTests<PostgresServer>(f);
