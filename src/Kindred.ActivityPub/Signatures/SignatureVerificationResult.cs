namespace Kindred.ActivityPub.Signatures;

/// <summary>Which HTTP signature specification a request used.</summary>
public enum SignatureScheme
{
    Unknown = 0,

    /// <summary>draft-cavage-http-signatures-12 (<c>Signature</c> or <c>Authorization: Signature</c>).</summary>
    Cavage,

    /// <summary>RFC 9421 HTTP Message Signatures (<c>Signature-Input</c> + <c>Signature</c>).</summary>
    Rfc9421,
}

/// <summary>Why a signature was rejected. Stable values: the server may log and count them.</summary>
public enum SignatureFailure
{
    None = 0,
    MissingSignature,
    Malformed,
    UnsupportedAlgorithm,

    /// <summary>The declared algorithm does not fit the key type (RFC 9421 §3.2 step 6; prevents
    /// algorithm confusion).</summary>
    AlgorithmKeyMismatch,

    /// <summary>The key passed in is not the one the signature names.</summary>
    KeyIdMismatch,

    /// <summary>RSA modulus below <see cref="HttpSignatureVerifierOptions.MinimumRsaKeySizeInBits"/>.</summary>
    KeyTooWeak,

    /// <summary>A component our policy requires (e.g. <c>(request-target)</c>, <c>digest</c>, <c>@method</c>) is not signed.</summary>
    MissingRequiredComponent,

    /// <summary>The signature covers a header or component that is absent from the request.</summary>
    MissingCoveredComponent,

    /// <summary>A covered component we cannot compute (e.g. <c>;sf</c>, <c>;req</c>, <c>@status</c> on a request).</summary>
    UnsupportedComponent,

    /// <summary>A body-carrying request has no (signed) Digest / Content-Digest.</summary>
    DigestMissing,
    DigestMismatch,

    /// <summary>Only unsupported digest algorithms were sent (SHA-256 and SHA-512 are accepted).</summary>
    DigestUnsupported,

    /// <summary>Neither a signed Date nor a <c>created</c> parameter gives the signing time.</summary>
    DateMissing,
    DateInvalid,
    TooOld,
    InFuture,
    Expired,

    /// <summary>The cryptographic check failed.</summary>
    InvalidSignature,
}

/// <summary>A key id read from a request before verification, so the server can look the key up.</summary>
/// <param name="Label">RFC 9421 signature label (null for cavage).</param>
/// <param name="Algorithm">The algorithm the signature declares, if any (a hint only; never trusted
/// over the key's own type).</param>
public sealed record SignatureKeyReference(SignatureScheme Scheme, string KeyId, string? Label, string? Algorithm);

/// <summary>Outcome of <see cref="HttpSignatureVerifier.Verify"/>.</summary>
public sealed record SignatureVerificationResult
{
    public bool IsValid => Failure == SignatureFailure.None;

    public required SignatureScheme Scheme { get; init; }

    /// <summary>The key id that signed (only meaningful when valid).</summary>
    public string? KeyId { get; init; }

    public HttpSignatureAlgorithm Algorithm { get; init; }

    /// <summary>Covered components as signed: cavage header names (<c>(request-target)</c>, <c>host</c>...)
    /// or RFC 9421 component identifiers (<c>"@method"</c>, <c>"content-digest"</c>...).</summary>
    public IReadOnlyList<string> CoveredComponents { get; init; } = [];

    /// <summary>When the signature says it was made (Date header or <c>created</c>).</summary>
    public DateTimeOffset? SignedAt { get; init; }

    public SignatureFailure Failure { get; init; }

    /// <summary>Human-readable reason; safe to log, never contains key material.</summary>
    public string? Message { get; init; }

    internal static SignatureVerificationResult Fail(SignatureScheme scheme, SignatureFailure failure, string message, string? keyId = null) =>
        new() { Scheme = scheme, Failure = failure, Message = message, KeyId = keyId };
}
