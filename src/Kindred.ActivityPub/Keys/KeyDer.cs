using System.Formats.Asn1;

namespace Kindred.ActivityPub.Keys;

/// <summary>Reads just enough ASN.1 to tell which algorithm a DER key is for, so each key is handed
/// to the right importer instead of trying importers until one accepts it.</summary>
internal static class KeyDer
{
    private const string RsaEncryption = "1.2.840.113549.1.1.1"; // RFC 8017 Appendix C
    private const string EcPublicKey = "1.2.840.10045.2.1";       // RFC 5480 §2.1.1
    private const string P256 = "1.2.840.10045.3.1.7";            // RFC 5480 §2.1.1.1 secp256r1
    private const string Ed25519 = "1.3.101.112";                 // RFC 8410 §3

    /// <summary>SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).</summary>
    public static KeyType IdentifySpki(ReadOnlyMemory<byte> der)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var spki = reader.ReadSequence();
            return ReadAlgorithm(spki.ReadSequence());
        }
        catch (AsnContentException)
        {
            return KeyType.Unknown;
        }
    }

    /// <summary>PKCS#8 PrivateKeyInfo (RFC 5208 §5 / RFC 5958 §2).</summary>
    public static KeyType IdentifyPkcs8(ReadOnlyMemory<byte> der)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var info = reader.ReadSequence();
            _ = info.ReadInteger();
            return ReadAlgorithm(info.ReadSequence());
        }
        catch (AsnContentException)
        {
            return KeyType.Unknown;
        }
    }

    private static KeyType ReadAlgorithm(AsnReader algorithmIdentifier)
    {
        var oid = algorithmIdentifier.ReadObjectIdentifier();
        switch (oid)
        {
            case RsaEncryption:
                return KeyType.Rsa;
            case Ed25519:
                return KeyType.Ed25519;
            case EcPublicKey:
                // Only the named curve P-256 is supported (RFC 9421 §3.3.4). Explicit curve parameters,
                // NULL or no parameter at all make ReadObjectIdentifier throw, which the callers map to Unknown.
                return algorithmIdentifier.ReadObjectIdentifier() == P256 ? KeyType.EcdsaP256 : KeyType.Unknown;
            default:
                return KeyType.Unknown;
        }
    }
}
