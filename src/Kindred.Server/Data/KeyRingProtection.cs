using Kindred.Server.Configuration;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace Kindred.Server.Data;

/// <summary>
/// Keeps the Data Protection key ring (stored in the database, see <see cref="DbXmlRepository"/>) useless without a secret
/// kept outside the database: every ring key is encrypted with an X.509 certificate (the framework's
/// <c>ProtectKeysWithCertificate</c>, XML Encryption with RSA-OAEP and AES-256). By default the certificate is made on first
/// start and kept in <c>&lt;data&gt;/secrets/keyring.pfx</c> (file 0600, folder 0700); operators can supply their own
/// (<c>Kindred:Secrets:CertificatePath</c>) and keep older ones for decryption while rotating
/// (<c>Kindred:Secrets:PreviousCertificatePaths</c>). A stolen database or backup alone then decrypts no actor key and
/// forges no cookie or token.
/// </summary>
public sealed class KeyRingProtection
{
    public const string DefaultFileName = "keyring.pfx";

    private KeyRingProtection(X509Certificate2 current, IReadOnlyList<X509Certificate2> previous, string path, bool createdNow)
    {
        Current = current;
        Previous = previous;
        Path = path;
        CreatedNow = createdNow;
    }

    public X509Certificate2 Current { get; }
    public IReadOnlyList<X509Certificate2> Previous { get; }

    /// <summary>Where the current certificate is read from.</summary>
    public string Path { get; }

    /// <summary>True when this start made the certificate (a fresh instance, or a database restored without its secrets).</summary>
    public bool CreatedNow { get; }

    public static string SecretsDirectory(KindredOptions o) => System.IO.Path.Combine(System.IO.Path.GetFullPath(o.DataDirectory), "secrets");

    /// <summary>Loads (or on a fresh instance creates) the certificates and registers them with Data Protection.</summary>
    public static KeyRingProtection AddTo(IDataProtectionBuilder dataProtection, KindredOptions o)
    {
        var protection = Load(o);
        dataProtection.ProtectKeysWithCertificate(protection.Current);
        if (protection.Previous.Count > 0)
        {
            dataProtection.UnprotectKeysWithAnyCertificate([.. protection.Previous]);
        }

        dataProtection.Services.AddSingleton(protection);
        return protection;
    }

    /// <summary>The certificates this configuration has (current first), making none: for checking a backup.</summary>
    public static IReadOnlyList<X509Certificate2> LoadExisting(KindredOptions o)
    {
        var list = new List<X509Certificate2>();
        var current = string.IsNullOrWhiteSpace(o.Secrets.CertificatePath)
            ? System.IO.Path.Combine(SecretsDirectory(o), DefaultFileName)
            : System.IO.Path.GetFullPath(o.Secrets.CertificatePath);
        if (File.Exists(current))
        {
            list.Add(Read(current, o.Secrets.CertificatePassword, "the key ring certificate"));
        }

        list.AddRange(o.Secrets.PreviousCertificatePaths.Select(p => Read(p, o.Secrets.CertificatePassword, "Kindred:Secrets:PreviousCertificatePaths")));
        return list;
    }

    private static KeyRingProtection Load(KindredOptions o)
    {
        var previous = o.Secrets.PreviousCertificatePaths.Select(p => Read(p, o.Secrets.CertificatePassword, "Kindred:Secrets:PreviousCertificatePaths")).ToList();
        if (!string.IsNullOrWhiteSpace(o.Secrets.CertificatePath))
        {
            var configured = System.IO.Path.GetFullPath(o.Secrets.CertificatePath);
            return new KeyRingProtection(Read(configured, o.Secrets.CertificatePassword, "Kindred:Secrets:CertificatePath"), previous, configured, false);
        }

        var path = System.IO.Path.Combine(SecretsDirectory(o), DefaultFileName);
        if (File.Exists(path))
        {
            return new KeyRingProtection(Read(path, null, "the key ring certificate"), previous, path, false);
        }

        StartupChecks.EnsureDataDirectoryWritable(o);
        return new KeyRingProtection(Create(path), previous, path, true);
    }

    private static X509Certificate2 Read(string path, string? password, string setting)
    {
        try
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new StartupException($"Kindred cannot start: {setting} {path} cannot be read as a PKCS#12 (.pfx) certificate with its " +
                                       $"private key ({ex.Message.TrimEnd('.')}).", ex);
        }
    }

    /// <summary>A self-signed RSA-3072 certificate: only its key pair matters (nobody validates it as an identity).</summary>
    private static X509Certificate2 Create(string path)
    {
        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest("CN=Kindred key ring protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment, true));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(100));
        var pfx = made.Export(X509ContentType.Pkcs12);
        try
        {
            var directory = System.IO.Path.GetDirectoryName(path)!;
            SecureFiles.CreatePrivateDirectory(directory);
            SecureFiles.WritePrivateFile(path, pfx);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Kindred cannot start: it cannot write its key ring certificate {path} ({ex.Message.TrimEnd('.')}). " +
                                       "Give the user running Kindred write access to the data directory.", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pfx);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, null, X509KeyStorageFlags.EphemeralKeySet);
    }

    private const string CountProtected = "SELECT COUNT(*) FROM data_protection_keys WHERE xml LIKE '%encryptedSecret%'";
    private const string SelectUnprotected = "SELECT name, xml FROM data_protection_keys WHERE xml LIKE '%requiresEncryption=\"true\"%'";
    private const string UpdateXml = "UPDATE data_protection_keys SET xml = @xml WHERE name = @name";

    /// <summary>
    /// Run after migrations, before serving: refuses a certificate made now for a ring that another certificate protects
    /// (a database restored or shared without its secrets folder), and encrypts ring keys stored in clear by earlier
    /// versions (the migration of an existing instance: same keys, now encrypted).
    /// </summary>
    public async Task<int> VerifyAndProtectRingAsync(Database db, IOptions<KeyManagementOptions> keyManagement, ILogger log, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        if (CreatedNow && await connection.ExecuteScalarAsync<long>(CountProtected) > 0)
        {
            File.Delete(Path);
            throw new StartupException(
                $"Kindred cannot start: the database's key ring is protected by a certificate that is not in {System.IO.Path.GetDirectoryName(Path)}. " +
                "Restore the secrets folder from your backup (or copy it from the first node) next to the data, or set Kindred__Secrets__CertificatePath.");
        }

        var encryptor = keyManagement.Value.XmlEncryptor!;
        var rows = (await connection.QueryAsync<(string Name, string Xml)>(SelectUnprotected)).ToList();
        foreach (var (name, xml) in rows)
        {
            var element = XElement.Parse(xml);
            EncryptSecrets(element, encryptor);
            await connection.ExecuteAsync(UpdateXml, new { name, xml = element.ToString(SaveOptions.DisableFormatting) });
        }

        if (rows.Count > 0)
        {
            log.LogWarning("Encrypted {Count} Data Protection key(s) that earlier versions stored in clear, with the certificate {Path}. " +
                           "Back up the secrets folder now, separately from the database: without it the database cannot be used.", rows.Count, Path);
        }

        return rows.Count;
    }

    private static readonly XName RequiresEncryption = XName.Get("requiresEncryption", "http://schemas.asp.net/2015/03/dataProtection");

    /// <summary>
    /// Replaces each element marked <c>requiresEncryption="true"</c> by <c>&lt;encryptedSecret decryptorType=...&gt;</c>, the
    /// form the framework writes for new keys and reads back through the configured decryptors.
    /// </summary>
    private static void EncryptSecrets(XElement key, Microsoft.AspNetCore.DataProtection.XmlEncryption.IXmlEncryptor encryptor)
    {
        while (key.Descendants().FirstOrDefault(e => (string?)e.Attribute(RequiresEncryption) is "true") is { } secret)
        {
            var encrypted = encryptor.Encrypt(new XElement(secret));
            secret.ReplaceWith(new XElement("encryptedSecret",
                new XAttribute("decryptorType", encrypted.DecryptorType.AssemblyQualifiedName!), encrypted.EncryptedElement));
        }
    }
}

/// <summary>Files only the account running Kindred can read: data 0600, folders 0700 (Unix; elsewhere the folder's ACL applies).</summary>
public static class SecureFiles
{
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, PrivateDirectory);
        File.SetUnixFileMode(path, PrivateDirectory);
    }

    /// <summary>
    /// Makes the SQLite database file before SQLite does, readable by its owner only (SQLite gives its -wal and -shm files
    /// the database file's mode), and takes group and other access away from one made by an earlier version.
    /// </summary>
    public static void PrepareDatabaseFile(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (!File.Exists(path))
        {
            WritePrivateFile(path, []);
            return;
        }

        foreach (var file in new[] { path, path + "-wal", path + "-shm" }.Where(File.Exists))
        {
            if ((File.GetUnixFileMode(file) & ~PrivateFile) != 0)
            {
                try
                {
                    File.SetUnixFileMode(file, PrivateFile);
                }
                catch (UnauthorizedAccessException)
                {
                    // Not ours to change (e.g. made by root): Kindred still runs; the admin guide says to fix ownership.
                }
            }
        }
    }

    public static void WritePrivateFile(string path, byte[] bytes)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }

        using var stream = new FileStream(path, options);
        stream.Write(bytes);
    }
}
