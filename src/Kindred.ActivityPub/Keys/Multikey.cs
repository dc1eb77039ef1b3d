using System.Security.Cryptography;

namespace Kindred.ActivityPub.Keys;

/// <summary>
/// Multikey <c>publicKeyMultibase</c> values (FEP-521a; W3C Controlled Identifiers "Multikey"):
/// 'z' (base58btc multibase prefix) + unsigned-varint multicodec + key bytes.
/// </summary>
public static class Multikey
{
    // Multicodec table: ed25519-pub = 0xed -> varint ED 01; rsa-pub = 0x1205 -> varint 85 24.
    private static readonly byte[] Ed25519Prefix = [0xED, 0x01];
    private static readonly byte[] RsaPrefix = [0x85, 0x24];

    /// <summary>Encodes a raw 32-byte Ed25519 public key (FEP-521a).</summary>
    public static string EncodeEd25519(ReadOnlySpan<byte> rawPublicKey)
    {
        if (rawPublicKey.Length != 32)
        {
            throw new ArgumentException("An Ed25519 public key is 32 bytes.", nameof(rawPublicKey));
        }

        return "z" + Base58Btc.Encode([.. Ed25519Prefix, .. rawPublicKey]);
    }

    /// <summary>
    /// Encodes an RSA public key. The multicodec table defines rsa-pub as DER PKCS#1 RSAPublicKey,
    /// which is also what Mitra publishes; <see cref="TryDecode"/> also accepts SPKI for tolerance.
    /// </summary>
    public static string EncodeRsa(RSA rsa)
    {
        ArgumentNullException.ThrowIfNull(rsa);
        return "z" + Base58Btc.Encode([.. RsaPrefix, .. rsa.ExportRSAPublicKey()]);
    }

    /// <summary>Splits a publicKeyMultibase value into key type and key bytes (raw Ed25519, or RSA
    /// DER as published). False for other prefixes, other multibases, or malformed text.</summary>
    public static bool TryDecode(string? multibase, out KeyType type, out byte[] keyBytes)
    {
        type = KeyType.Unknown;
        keyBytes = [];
        if (string.IsNullOrEmpty(multibase) || multibase[0] != 'z' || !Base58Btc.TryDecode(multibase[1..], out var bytes) || bytes.Length < 3)
        {
            return false;
        }

        if (bytes.AsSpan().StartsWith(Ed25519Prefix) && bytes.Length == 34)
        {
            type = KeyType.Ed25519;
            keyBytes = bytes[2..];
            return true;
        }

        if (bytes.AsSpan().StartsWith(RsaPrefix))
        {
            type = KeyType.Rsa;
            keyBytes = bytes[2..];
            return true;
        }

        return false;
    }
}
