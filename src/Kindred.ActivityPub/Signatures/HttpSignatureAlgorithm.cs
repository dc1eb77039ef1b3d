namespace Kindred.ActivityPub.Signatures;

/// <summary>The concrete signature scheme that was (or is to be) applied.</summary>
public enum HttpSignatureAlgorithm
{
    Unknown = 0,

    /// <summary>RSASSA-PKCS1-v1_5 with SHA-256: cavage "rsa-sha256" (and "hs2019" as the fediverse
    /// uses it with RSA keys), RFC 9421 §3.3.2 "rsa-v1_5-sha256".</summary>
    RsaPkcs1Sha256,

    /// <summary>RSASSA-PSS, SHA-512, MGF1-SHA-512, 64-byte salt: RFC 9421 §3.3.1 "rsa-pss-sha512";
    /// also what cavage-12 §2.5 says "hs2019" means for RSA keys.</summary>
    RsaPssSha512,

    /// <summary>Ed25519 (RFC 8032): RFC 9421 §3.3.6 "ed25519"; cavage "hs2019" with an Ed25519 key.</summary>
    Ed25519,

    /// <summary>ECDSA P-256 SHA-256 with raw r||s signatures (RFC 9421 §3.3.4).</summary>
    EcdsaP256Sha256,

    /// <summary>HMAC-SHA256 (RFC 9421 §3.3.3); shared-secret keys only.</summary>
    HmacSha256,
}

/// <summary>Names used on the wire.</summary>
public static class HttpSignatureAlgorithmNames
{
    /// <summary>RFC 9421 §6.2.2 registry name, or null when the algorithm has none.</summary>
    public static string? ToRfc9421Name(this HttpSignatureAlgorithm algorithm) => algorithm switch
    {
        HttpSignatureAlgorithm.RsaPkcs1Sha256 => "rsa-v1_5-sha256",
        HttpSignatureAlgorithm.RsaPssSha512 => "rsa-pss-sha512",
        HttpSignatureAlgorithm.Ed25519 => "ed25519",
        HttpSignatureAlgorithm.EcdsaP256Sha256 => "ecdsa-p256-sha256",
        HttpSignatureAlgorithm.HmacSha256 => "hmac-sha256",
        _ => null,
    };

    public static HttpSignatureAlgorithm FromRfc9421Name(string? name) => name switch
    {
        "rsa-v1_5-sha256" => HttpSignatureAlgorithm.RsaPkcs1Sha256,
        "rsa-pss-sha512" => HttpSignatureAlgorithm.RsaPssSha512,
        "ed25519" => HttpSignatureAlgorithm.Ed25519,
        "ecdsa-p256-sha256" => HttpSignatureAlgorithm.EcdsaP256Sha256,
        "hmac-sha256" => HttpSignatureAlgorithm.HmacSha256,
        _ => HttpSignatureAlgorithm.Unknown,
    };
}
