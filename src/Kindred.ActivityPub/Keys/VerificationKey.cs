using System.Security.Cryptography;
using Kindred.ActivityPub.Signatures;
using NSecAlgorithm = NSec.Cryptography.SignatureAlgorithm;
using NSecBlob = NSec.Cryptography.KeyBlobFormat;
using NSecPublicKey = NSec.Cryptography.PublicKey;

namespace Kindred.ActivityPub.Keys;

/// <summary>
/// A resolved public key the verifier checks signatures with. The server fetches the key document
/// (actor <c>publicKey</c> or <c>assertionMethod</c>), builds one of these, and may cache it per key id:
/// instances are immutable after construction. Dispose when evicted from the cache.
/// </summary>
public sealed class VerificationKey : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;
    private readonly NSecPublicKey? _ed25519;
    private readonly byte[]? _secret;

    private VerificationKey(string keyId, Uri? ownerId, KeyType type, RSA? rsa = null, ECDsa? ecdsa = null, NSecPublicKey? ed25519 = null, byte[]? secret = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        KeyId = keyId;
        OwnerId = ownerId;
        Type = type;
        _rsa = rsa;
        _ecdsa = ecdsa;
        _ed25519 = ed25519;
        _secret = secret;
    }

    /// <summary>The key id as published (cavage <c>keyId</c>, RFC 9421 <c>keyid</c>), e.g. <c>https://a.example/u/x#main-key</c>.</summary>
    public string KeyId { get; }

    /// <summary>The actor the key document says owns the key (<c>owner</c> / <c>controller</c>).
    /// The server must still check it against the activity's actor (FEP-fe34).</summary>
    public Uri? OwnerId { get; }

    public KeyType Type { get; }

    /// <summary>RSA modulus size in bits (0 for other key types).</summary>
    public int RsaKeySizeInBits => _rsa?.KeySize ?? 0;

    /// <summary>Parses a PEM public key: SPKI <c>BEGIN PUBLIC KEY</c> (RSA, Ed25519 or P-256) or
    /// PKCS#1 <c>BEGIN RSA PUBLIC KEY</c> (which some servers still publish).</summary>
    public static VerificationKey FromPem(string keyId, Uri? ownerId, string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (!PemEncoding.TryFind(pem, out var fields))
        {
            throw new KeyFormatException("No PEM block found in the public key.");
        }

        var label = pem.AsSpan()[fields.Label];
        var der = Convert.FromBase64String(pem[fields.Base64Data]);
        if (label.SequenceEqual("PUBLIC KEY"))
        {
            return FromSpki(keyId, ownerId, der);
        }

        if (label.SequenceEqual("RSA PUBLIC KEY"))
        {
            var rsa = RSA.Create();
            try
            {
                rsa.ImportRSAPublicKey(der, out _);
                return new VerificationKey(keyId, ownerId, KeyType.Rsa, rsa: rsa);
            }
            catch (CryptographicException ex)
            {
                rsa.Dispose();
                throw new KeyFormatException("Invalid PKCS#1 RSA public key.", ex);
            }
        }

        throw new KeyFormatException($"Unsupported PEM label '{label}'.");
    }

    /// <summary>Parses a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).</summary>
    public static VerificationKey FromSpki(string keyId, Uri? ownerId, byte[] spki)
    {
        ArgumentNullException.ThrowIfNull(spki);
        try
        {
            switch (KeyDer.IdentifySpki(spki))
            {
                case KeyType.Rsa:
                    var rsa = RSA.Create();
                    rsa.ImportSubjectPublicKeyInfo(spki, out _);
                    return new VerificationKey(keyId, ownerId, KeyType.Rsa, rsa: rsa);
                case KeyType.EcdsaP256:
                    var ec = ECDsa.Create();
                    ec.ImportSubjectPublicKeyInfo(spki, out _);
                    return new VerificationKey(keyId, ownerId, KeyType.EcdsaP256, ecdsa: ec);
                case KeyType.Ed25519:
                    var ed = NSecPublicKey.Import(NSecAlgorithm.Ed25519, spki, NSecBlob.PkixPublicKey);
                    return new VerificationKey(keyId, ownerId, KeyType.Ed25519, ed25519: ed);
                default:
                    throw new KeyFormatException("Unsupported or malformed SubjectPublicKeyInfo.");
            }
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            throw new KeyFormatException("Invalid SubjectPublicKeyInfo.", ex);
        }
    }

    /// <summary>Parses a Multikey <c>publicKeyMultibase</c> (FEP-521a): Ed25519 or RSA.</summary>
    public static VerificationKey FromMultibase(string keyId, Uri? controller, string publicKeyMultibase)
    {
        if (!Multikey.TryDecode(publicKeyMultibase, out var type, out var bytes))
        {
            throw new KeyFormatException("Unsupported or malformed publicKeyMultibase.");
        }

        if (type == KeyType.Ed25519)
        {
            return FromEd25519(keyId, controller, bytes);
        }

        var rsa = RSA.Create();
        try
        {
            // The multicodec table says PKCS#1 RSAPublicKey; accept SPKI too, as some publish that.
            if (KeyDer.IdentifySpki(bytes) == KeyType.Rsa)
            {
                rsa.ImportSubjectPublicKeyInfo(bytes, out _);
            }
            else
            {
                rsa.ImportRSAPublicKey(bytes, out _);
            }

            return new VerificationKey(keyId, controller, KeyType.Rsa, rsa: rsa);
        }
        catch (CryptographicException ex)
        {
            rsa.Dispose();
            throw new KeyFormatException("Invalid RSA key in publicKeyMultibase.", ex);
        }
    }

    /// <summary>A raw 32-byte Ed25519 public key (RFC 8032 §5.1.5).</summary>
    public static VerificationKey FromEd25519(string keyId, Uri? ownerId, ReadOnlySpan<byte> rawPublicKey)
    {
        if (!NSecPublicKey.TryImport(NSecAlgorithm.Ed25519, rawPublicKey, NSecBlob.RawPublicKey, out var key))
        {
            throw new KeyFormatException("Invalid Ed25519 public key.");
        }

        return new VerificationKey(keyId, ownerId, KeyType.Ed25519, ed25519: key);
    }

    /// <summary>An HMAC-SHA256 shared secret (RFC 9421 §3.3.3). Not for federation.</summary>
    public static VerificationKey FromSharedSecret(string keyId, ReadOnlySpan<byte> secret)
    {
        if (secret.Length < 32)
        {
            throw new KeyFormatException("An HMAC-SHA256 secret must be at least 32 bytes.");
        }

        return new VerificationKey(keyId, null, KeyType.HmacSha256, secret: secret.ToArray());
    }

    /// <summary>The algorithms this key can check. Binding algorithm to key type prevents
    /// algorithm-confusion attacks (RFC 9421 §7.3.6).</summary>
    public bool Supports(HttpSignatureAlgorithm algorithm) => (Type, algorithm) switch
    {
        (KeyType.Rsa, HttpSignatureAlgorithm.RsaPkcs1Sha256 or HttpSignatureAlgorithm.RsaPssSha512) => true,
        (KeyType.Ed25519, HttpSignatureAlgorithm.Ed25519) => true,
        (KeyType.EcdsaP256, HttpSignatureAlgorithm.EcdsaP256Sha256) => true,
        (KeyType.HmacSha256, HttpSignatureAlgorithm.HmacSha256) => true,
        _ => false,
    };

    /// <summary>Checks <paramref name="signature"/> over <paramref name="data"/>; false on any mismatch,
    /// including an algorithm this key cannot check (see <see cref="Supports"/>).</summary>
    public bool Verify(HttpSignatureAlgorithm algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        try
        {
            // Each arm needs this key's own material, so no algorithm can be checked with the wrong kind of key.
            return algorithm switch
            {
                HttpSignatureAlgorithm.RsaPkcs1Sha256 when _rsa is not null => _rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                // .NET's PSS uses a salt as long as the hash (64 bytes for SHA-512), as RFC 9421 §3.3.1 requires.
                HttpSignatureAlgorithm.RsaPssSha512 when _rsa is not null => _rsa.VerifyData(data, signature, HashAlgorithmName.SHA512, RSASignaturePadding.Pss),
                // RFC 9421 §3.3.4: raw r||s, which is .NET's default IEEE P1363 format.
                HttpSignatureAlgorithm.EcdsaP256Sha256 when _ecdsa is not null => _ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
                HttpSignatureAlgorithm.Ed25519 when _ed25519 is not null => NSecAlgorithm.Ed25519.Verify(_ed25519, data, signature),
                HttpSignatureAlgorithm.HmacSha256 when _secret is not null => VerifyHmac(_secret, data, signature),
                _ => false,
            };
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool VerifyHmac(byte[] secret, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(secret, data, mac);
        return CryptographicOperations.FixedTimeEquals(mac, signature);
    }

    public void Dispose()
    {
        _rsa?.Dispose();
        _ecdsa?.Dispose();
    }
}
