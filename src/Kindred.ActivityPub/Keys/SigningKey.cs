using System.Security.Cryptography;
using Kindred.ActivityPub.Signatures;
using NSecAlgorithm = NSec.Cryptography.SignatureAlgorithm;
using NSecBlob = NSec.Cryptography.KeyBlobFormat;
using NSecKey = NSec.Cryptography.Key;

namespace Kindred.ActivityPub.Keys;

/// <summary>
/// A private key we sign with. Import once per actor and cache it: importing an RSA key costs far
/// more than a signature. Instances are not mutated after construction; dispose on eviction.
/// </summary>
public sealed class SigningKey : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;
    private readonly NSecKey? _ed25519;

    private SigningKey(string keyId, KeyType type, RSA? rsa = null, ECDsa? ecdsa = null, NSecKey? ed25519 = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        KeyId = keyId;
        Type = type;
        _rsa = rsa;
        _ecdsa = ecdsa;
        _ed25519 = ed25519;
    }

    /// <summary>The public key's id, e.g. <c>{actor}#main-key</c> or <c>{actor}#ed25519-key</c>.</summary>
    public string KeyId { get; }

    public KeyType Type { get; }

    /// <summary>The algorithm a signer uses by default with this key: RSASSA-PKCS1-v1_5 SHA-256 for RSA,
    /// since that is what every fediverse server verifies.</summary>
    public HttpSignatureAlgorithm DefaultAlgorithm => Type switch
    {
        KeyType.Rsa => HttpSignatureAlgorithm.RsaPkcs1Sha256,
        KeyType.Ed25519 => HttpSignatureAlgorithm.Ed25519,
        KeyType.EcdsaP256 => HttpSignatureAlgorithm.EcdsaP256Sha256,
        _ => HttpSignatureAlgorithm.Unknown,
    };

    /// <summary>Imports a PKCS#8 PrivateKeyInfo (RFC 5208), as produced by <see cref="KeyGeneration"/>.</summary>
    public static SigningKey FromPkcs8(string keyId, ReadOnlySpan<byte> pkcs8)
    {
        var bytes = pkcs8.ToArray();
        try
        {
            switch (KeyDer.IdentifyPkcs8(bytes))
            {
                case KeyType.Rsa:
                    var rsa = RSA.Create();
                    rsa.ImportPkcs8PrivateKey(bytes, out _);
                    return new SigningKey(keyId, KeyType.Rsa, rsa: rsa);
                case KeyType.EcdsaP256:
                    var ec = ECDsa.Create();
                    ec.ImportPkcs8PrivateKey(bytes, out _);
                    return new SigningKey(keyId, KeyType.EcdsaP256, ecdsa: ec);
                case KeyType.Ed25519:
                    var ed = NSecKey.Import(NSecAlgorithm.Ed25519, bytes, NSecBlob.PkixPrivateKey);
                    return new SigningKey(keyId, KeyType.Ed25519, ed25519: ed);
                default:
                    throw new KeyFormatException("Unsupported or malformed PKCS#8 private key.");
            }
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            throw new KeyFormatException("Invalid PKCS#8 private key.", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Imports a PEM private key: <c>PRIVATE KEY</c> (PKCS#8), <c>RSA PRIVATE KEY</c> (PKCS#1)
    /// or <c>EC PRIVATE KEY</c> (SEC 1).</summary>
    public static SigningKey FromPem(string keyId, string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (!PemEncoding.TryFind(pem, out var fields))
        {
            throw new KeyFormatException("No PEM block found in the private key.");
        }

        var label = pem[fields.Label];
        var der = Convert.FromBase64String(pem[fields.Base64Data]);
        try
        {
            switch (label)
            {
                case "PRIVATE KEY":
                    return FromPkcs8(keyId, der);
                case "RSA PRIVATE KEY":
                    var rsa = RSA.Create();
                    rsa.ImportRSAPrivateKey(der, out _);
                    return new SigningKey(keyId, KeyType.Rsa, rsa: rsa);
                case "EC PRIVATE KEY":
                    var ec = ECDsa.Create();
                    ec.ImportECPrivateKey(der, out _);
                    return new SigningKey(keyId, KeyType.EcdsaP256, ecdsa: ec);
                default:
                    throw new KeyFormatException($"Unsupported PEM label '{label}'.");
            }
        }
        catch (CryptographicException ex)
        {
            throw new KeyFormatException("Invalid private key.", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    /// <summary>Signs <paramref name="data"/> (the signing string / signature base bytes).</summary>
    public byte[] Sign(HttpSignatureAlgorithm algorithm, ReadOnlySpan<byte> data) => (Type, algorithm) switch
    {
        (KeyType.Rsa, HttpSignatureAlgorithm.RsaPkcs1Sha256) => _rsa!.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        (KeyType.Rsa, HttpSignatureAlgorithm.RsaPssSha512) => _rsa!.SignData(data, HashAlgorithmName.SHA512, RSASignaturePadding.Pss),
        (KeyType.EcdsaP256, HttpSignatureAlgorithm.EcdsaP256Sha256) => _ecdsa!.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
        (KeyType.Ed25519, HttpSignatureAlgorithm.Ed25519) => NSecAlgorithm.Ed25519.Sign(_ed25519!, data),
        _ => throw new NotSupportedException($"A {Type} key cannot sign with {algorithm}."),
    };

    /// <summary>DER SubjectPublicKeyInfo of the public half.</summary>
    public byte[] ExportPublicKeySpki() => Type switch
    {
        KeyType.Rsa => _rsa!.ExportSubjectPublicKeyInfo(),
        KeyType.EcdsaP256 => _ecdsa!.ExportSubjectPublicKeyInfo(),
        KeyType.Ed25519 => _ed25519!.PublicKey.Export(NSecBlob.PkixPublicKey),
        _ => throw new NotSupportedException(),
    };

    /// <summary>PEM (<c>BEGIN PUBLIC KEY</c>, SPKI) for an actor's <c>publicKey.publicKeyPem</c>.</summary>
    public string ExportPublicKeyPem() => PemEncoding.WriteString("PUBLIC KEY", ExportPublicKeySpki()) + "\n";

    /// <summary>Multikey <c>publicKeyMultibase</c> (FEP-521a) for an actor's <c>assertionMethod</c>.</summary>
    public string ExportPublicKeyMultibase() => Type switch
    {
        KeyType.Ed25519 => Multikey.EncodeEd25519(_ed25519!.PublicKey.Export(NSecBlob.RawPublicKey)),
        KeyType.Rsa => Multikey.EncodeRsa(_rsa!),
        _ => throw new NotSupportedException("Multikey export supports Ed25519 and RSA only."),
    };

    /// <summary>The matching public key, e.g. for tests or to publish alongside.</summary>
    public VerificationKey ToVerificationKey(Uri? ownerId) => VerificationKey.FromSpki(KeyId, ownerId, ExportPublicKeySpki());

    public void Dispose()
    {
        _rsa?.Dispose();
        _ecdsa?.Dispose();
        _ed25519?.Dispose();
    }
}
