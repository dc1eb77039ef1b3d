using Kindred.Server.Configuration;
using Kindred.Server.Web;
using System.Security.Cryptography;
using System.Xml.Linq;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Federation;
using Kindred.Server.Federation.Keys;
using Kindred.Server.Hosting;
using Kindred.Server.Tests.TestRig;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kindred.Server.Tests.Operations;

/// <summary>
/// The Data Protection key ring lives in the database, encrypted with a certificate kept outside it: a stolen database
/// or backup alone decrypts no actor key; an existing instance's clear ring is encrypted in place and keeps working.
/// </summary>
public abstract class KeyRingProtectionTests(DatabaseKind database)
{
    private async Task<KindredTestServer> StartAsync()
    {
        if (database == DatabaseKind.Postgres && await PostgresCluster.UnavailableAsync() is { } reason)
        {
            Assert.SkipWhen(!PostgresCluster.Required, reason);
        }

        return await KindredTestServer.StartAsync(database);
    }

    private static async Task<List<(string Name, string Xml)>> RingAsync(KindredTestServer server)
    {
        await using var c = await server.Get<Database>().OpenAsync();
        return (await c.QueryAsync<(string Name, string Xml)>("SELECT name, xml FROM data_protection_keys")).ToList();
    }

    /// <summary>What a thief with the database alone can do: Data Protection over the stored ring, without the certificate.</summary>
    private static IDataProtectionProvider FromDatabaseOnly(IReadOnlyList<(string Name, string Xml)> ring)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataProtection().SetApplicationName("Kindred").DisableAutomaticKeyGeneration();
        services.Configure<KeyManagementOptions>(o => o.XmlRepository = new FixedRepository(ring.Select(r => XElement.Parse(r.Xml)).ToList()));
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>();
    }

    [Fact]
    public async Task A_database_alone_cannot_decrypt_actor_keys()
    {
        await using var server = await StartAsync();
        var name = await Accounts.RegisterAsync(server);
        var actor = server.Get<ActorUrls>().User(name).AbsoluteUri;
        await server.Get<ActorKeys>().GetSigningKeyAsync(actor, CancellationToken.None); // makes and stores the actor's keys

        var secrets = Path.Combine(server.Settings["Kindred:DataDirectory"]!, "secrets");
        var pfx = Path.Combine(secrets, KeyRingProtection.DefaultFileName);
        Assert.True(File.Exists(pfx));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(SecureFiles.PrivateFile, File.GetUnixFileMode(pfx));
            Assert.Equal(SecureFiles.PrivateDirectory, File.GetUnixFileMode(secrets));
        }

        var ring = await RingAsync(server);
        Assert.NotEmpty(ring);
        Assert.All(ring, r => Assert.Contains("encryptedSecret", r.Xml, StringComparison.Ordinal));
        Assert.All(ring, r => Assert.DoesNotContain("<masterKey", r.Xml, StringComparison.Ordinal));

        string protectedKey;
        await using (var c = await server.Get<Database>().OpenAsync())
        {
            protectedKey = await c.QuerySingleAsync<string>("SELECT private_key_protected FROM actor_keys WHERE actor_id = @actor AND key_type = 'rsa'", new { actor });
        }

        var thief = FromDatabaseOnly(ring).CreateProtector(ActorKeys.Purpose);
        Assert.ThrowsAny<CryptographicException>(() => thief.Unprotect(Convert.FromBase64String(protectedKey)));
    }

    [Fact]
    public async Task A_ring_stored_in_clear_by_an_earlier_version_is_encrypted_and_keeps_decrypting()
    {
        var first = await StartAsync();
        var db = first.Get<Database>();

        // What an earlier version did: Data Protection writing its ring to the database with no encryptor.
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(db);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<DbXmlRepository>();
        services.AddDataProtection().SetApplicationName("Kindred");
        services.AddOptions<KeyManagementOptions>().Configure<DbXmlRepository>((o, repo) => o.XmlRepository = repo);
        await using (var old = services.BuildServiceProvider())
        {
            old.GetRequiredService<IKeyManager>().CreateNewKey(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(90));
        }

        Assert.Contains(await RingAsync(first), r => r.Xml.Contains("requiresEncryption=\"true\"", StringComparison.Ordinal));
        var settings = first.Settings;
        await first.StopKeepingDataAsync();

        await using var second = await KindredTestServer.StartWithSettingsAsync(database, settings);
        var ring = await RingAsync(second);
        Assert.All(ring, r => Assert.DoesNotContain("requiresEncryption=\"true\"", r.Xml, StringComparison.Ordinal));
        Assert.All(ring, r => Assert.Contains("encryptedSecret", r.Xml, StringComparison.Ordinal));

        // The migrated key still works for the server (it is the newest, so it protects), and still not for a thief.
        var protector = second.Get<IDataProtectionProvider>().CreateProtector("test");
        var payload = protector.Protect("still readable"u8.ToArray());
        Assert.Equal("still readable"u8.ToArray(), protector.Unprotect(payload));
        Assert.ThrowsAny<CryptographicException>(() => FromDatabaseOnly(ring).CreateProtector("test").Unprotect(payload));
    }

    [Fact]
    public async Task A_database_restored_without_its_secrets_folder_refuses_to_start_with_one_clear_line()
    {
        var first = await StartAsync();
        var settings = new Dictionary<string, string?>(first.Settings);
        if (database == DatabaseKind.Sqlite)
        {
            settings["Kindred:Database:ConnectionString"] = Database.SqliteConnectionString(Path.Combine(settings["Kindred:DataDirectory"]!, "kindred.db"));
        }

        await first.StopKeepingDataAsync();
        var elsewhere = Path.Combine(Path.GetTempPath(), "kindred-restore-" + Guid.NewGuid().ToString("N"));
        settings["Kindred:DataDirectory"] = elsewhere;
        var ex = await Assert.ThrowsAsync<StartupException>(() => KindredTestServer.StartWithSettingsAsync(database, settings));
        Assert.Contains("key ring is protected by a certificate", ex.Message);
        Assert.False(File.Exists(Path.Combine(elsewhere, "secrets", KeyRingProtection.DefaultFileName))); // nothing half-made left behind
    }

    [Fact]
    public async Task The_API_token_signing_key_is_not_stored_in_clear()
    {
        await using var server = await StartAsync();
        await using var c = await server.Get<Database>().OpenAsync();
        var stored = await c.QuerySingleAsync<string>("SELECT value FROM instance_secrets WHERE name = @name", new { name = InstanceSecrets.TokenSigningKey });
        Assert.StartsWith("dp1:", stored);
        var name = await Accounts.RegisterAsync(server);
        Assert.NotEmpty(await Accounts.TokenAsync(server, name)); // tokens still issue and verify
    }

    private sealed class FixedRepository(IReadOnlyCollection<XElement> elements) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements() => elements;

        public void StoreElement(XElement element, string friendlyName) => throw new InvalidOperationException("read only");
    }
}

public sealed class KeyRingProtectionTestsOnSqlite() : KeyRingProtectionTests(DatabaseKind.Sqlite);

public sealed class KeyRingProtectionTestsOnPostgres() : KeyRingProtectionTests(DatabaseKind.Postgres);
