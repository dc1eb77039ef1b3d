using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using Kindred.Server.Cli;
using Kindred.Server.Data;
using Kindred.Server.Federation.Keys;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Operations;

/// <summary>
/// <c>admin rotate-keys</c> (issue 20): new actor keys under the same key ids with an Update queued for the servers that
/// follow the actor; a new API token key (old tokens stop working); a new Data Protection key with the stored secrets
/// encrypted again (everything still decrypts). Run with the server stopped, as the admin guide says.
/// </summary>
public abstract class KeyRotationTests(DatabaseKind database)
{
    private async Task<KindredTestServer> StartAsync()
    {
        if (database == DatabaseKind.Postgres && await PostgresCluster.UnavailableAsync() is { } reason)
        {
            Assert.SkipWhen(!PostgresCluster.Required, reason);
        }

        return await KindredTestServer.StartAsync(database);
    }

    private static async Task<(int Code, string Out, string Err)> CliAsync(Dictionary<string, string?> settings, params string[] args)
    {
        var all = args.Concat(settings.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}")).ToArray();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await AdminCli.RunAsync(all, new StringReader(""), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static async Task<T> ScalarAsync<T>(KindredTestServer server, string sql, object args)
    {
        await using var c = await server.Get<Database>().OpenAsync();
        return await c.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException("no row");
    }

    [Fact]
    public async Task Without_a_choice_nothing_is_rotated_and_the_operator_is_told_what_to_choose()
    {
        await using var server = await StartAsync();
        var (code, _, err) = await CliAsync(server.Settings, "admin", "rotate-keys");
        Assert.Equal(1, code);
        Assert.Contains("--actor-keys", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Actor_keys_are_replaced_under_the_same_ids_and_followers_servers_are_sent_an_update()
    {
        var server = await StartAsync();
        var name = await Accounts.RegisterAsync(server);
        var actor = server.Get<ActorUrls>().User(name).AbsoluteUri;
        var before = await server.Get<ActorKeys>().GetPublicKeysAsync(actor, CancellationToken.None);
        var peer = $"peer-{Guid.NewGuid():N}.example";
        await using (var c = await server.Get<Database>().OpenAsync())
        {
            await c.ExecuteAsync("""
                INSERT INTO remote_followers (local_actor_id, follower_id, follow_activity_id, inbox, shared_inbox, created_at)
                VALUES (@actor, @follower, @follow, @inbox, @shared, @now)
                """, new { actor, follower = $"https://{peer}/users/friend", follow = $"https://{peer}/follows/1", inbox = $"https://{peer}/users/friend/inbox",
                shared = $"https://{peer}/inbox", now = DateTimeOffset.UtcNow });
        }

        var settings = server.Settings;
        await server.StopKeepingDataAsync();
        var (code, output, err) = await CliAsync(settings, "admin", "rotate-keys", "--actor-keys");
        Assert.True(code == 0, err);
        Assert.Contains("New signing keys for", output, StringComparison.Ordinal);
        Assert.Contains("start Kindred again", output, StringComparison.Ordinal);

        await using var again = await KindredTestServer.StartWithSettingsAsync(database, settings);
        var after = await again.Get<ActorKeys>().GetPublicKeysAsync(actor, CancellationToken.None);
        Assert.Equal(before.RsaKeyId, after.RsaKeyId);
        Assert.Equal(before.Ed25519KeyId, after.Ed25519KeyId);
        Assert.NotEqual(before.RsaPublicKeyPem, after.RsaPublicKeyPem);
        Assert.NotEqual(before.Ed25519PublicKeyMultibase, after.Ed25519PublicKeyMultibase);

        // The Update went to the follower's server (its shared inbox), carrying the new key.
        var body = await ScalarAsync<string>(again, "SELECT body FROM delivery_jobs WHERE inbox_url = @inbox AND actor_id = @actor",
            new { inbox = $"https://{peer}/inbox", actor });
        var update = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Update", update.GetProperty("type").GetString());
        Assert.Equal(actor, update.GetProperty("actor").GetString());
        Assert.Equal(after.RsaPublicKeyPem, update.GetProperty("object").GetProperty("publicKey").GetProperty("publicKeyPem").GetString());

        // The restarted server signs with the new private key: its signature verifies with the new public key only.
        var signing = await again.Get<ActorKeys>().GetSigningKeyAsync(actor, CancellationToken.None);
        var data = "rotation"u8.ToArray();
        var signature = signing.Sign(Kindred.ActivityPub.Signatures.HttpSignatureAlgorithm.RsaPkcs1Sha256, data);
        using var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportFromPem(after.RsaPublicKeyPem);
        Assert.True(rsa.VerifyData(data, signature, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1));
        rsa.ImportFromPem(before.RsaPublicKeyPem);
        Assert.False(rsa.VerifyData(data, signature, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task A_new_token_key_ends_old_api_tokens_and_a_new_data_protection_key_keeps_everything_readable()
    {
        var server = await StartAsync();
        var name = await Accounts.RegisterAsync(server);
        var actor = server.Get<ActorUrls>().User(name).AbsoluteUri;
        await server.Get<ActorKeys>().GetSigningKeyAsync(actor, CancellationToken.None);
        var token = await Accounts.TokenAsync(server, name);
        var ringBefore = await ScalarAsync<long>(server, "SELECT COUNT(*) FROM data_protection_keys", new { });
        var settings = server.Settings;
        await server.StopKeepingDataAsync();

        // A new Data Protection key: the token (its signing key re-encrypted, same value) and actor keys still work.
        var ring = await CliAsync(settings, "admin", "rotate-keys", "--data-protection");
        Assert.True(ring.Code == 0, ring.Err);
        await using (var second = await KindredTestServer.StartWithSettingsAsync(database, settings))
        {
            Assert.Equal(ringBefore + 1, await ScalarAsync<long>(second, "SELECT COUNT(*) FROM data_protection_keys", new { }));
            Assert.Equal(HttpStatusCode.OK, await MeAsync(second, token));
            Assert.NotNull(await second.Get<ActorKeys>().GetSigningKeyAsync(actor, CancellationToken.None));
            await second.StopKeepingDataAsync();
        }

        var tokens = await CliAsync(settings, "admin", "rotate-keys", "--api-token-key");
        Assert.True(tokens.Code == 0, tokens.Err);
        Assert.Contains("sign in again", tokens.Out, StringComparison.Ordinal);
        await using var third = await KindredTestServer.StartWithSettingsAsync(database, settings);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(third, token));
        Assert.Equal(HttpStatusCode.OK, await MeAsync(third, await Accounts.TokenAsync(third, name)));
    }

    private static async Task<HttpStatusCode> MeAsync(KindredTestServer server, string token)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await http.GetAsync("/api/v1/accounts/me", TestContext.Current.CancellationToken)).StatusCode;
    }
}

public sealed class KeyRotationTestsOnSqlite() : KeyRotationTests(DatabaseKind.Sqlite);

public sealed class KeyRotationTestsOnPostgres() : KeyRotationTests(DatabaseKind.Postgres);
