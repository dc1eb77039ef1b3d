namespace Kindred.ActivityPub.Keys;

/// <summary>The kind of key material behind a signature key.</summary>
public enum KeyType
{
    Unknown = 0,

    /// <summary>RSA (rsa-sha256 / hs2019 in cavage; rsa-v1_5-sha256 / rsa-pss-sha512 in RFC 9421).</summary>
    Rsa,

    /// <summary>Ed25519 (RFC 8032), via NSec.</summary>
    Ed25519,

    /// <summary>ECDSA on P-256 with SHA-256 (RFC 9421 §3.3.4).</summary>
    EcdsaP256,

    /// <summary>A shared HMAC-SHA256 secret (RFC 9421 §3.3.3). Never used between fediverse
    /// servers; supported so the RFC's own vectors can be checked.</summary>
    HmacSha256,
}
