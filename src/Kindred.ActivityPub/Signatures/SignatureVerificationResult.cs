using System.Text;
using Kindred.ActivityPub.Keys;

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

/// <summary>Why a signature was rejected. Stable values: the server may log and count them. There is
/// deliberately no "none" value: a valid result has no failure at all (<see cref="SignatureVerificationResult.Failure"/>
/// is null), so no failure can ever be mistaken for success.</summary>
public enum SignatureFailure
{
    MissingSignature = 1,
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

/// <summary>
/// Outcome of <see cref="HttpSignatureVerifier.Verify"/>: either verified or rejected with a
/// <see cref="SignatureFailure"/>. The two cases are made by two different factories: a failure
/// always names what failed, and a verified result is made only by <see cref="FromCryptographicCheck"/>,
/// which runs the key's signature check itself. So a policy check that forgets to say why it failed
/// cannot produce something that reads as valid.
/// </summary>
public sealed record SignatureVerificationResult
{
    private SignatureVerificationResult(SignatureScheme scheme, SignatureFailure? failure, string? message, string? keyId)
    {
        Scheme = scheme;
        Failure = failure;
        Message = message;
        KeyId = keyId;
    }

    /// <summary>True only when the cryptographic check passed after every policy check.</summary>
    public bool IsValid => Failure is null;

    public SignatureScheme Scheme { get; }

    /// <summary>The key id that signed (only meaningful when valid).</summary>
    public string? KeyId { get; }

    /// <summary>The algorithm that verified (<see cref="HttpSignatureAlgorithm.Unknown"/> on failure).</summary>
    public HttpSignatureAlgorithm Algorithm { get; private init; }

    /// <summary>Covered components as signed: cavage header names (<c>(request-target)</c>, <c>host</c>...)
    /// or RFC 9421 component identifiers (<c>"@method"</c>, <c>"content-digest"</c>...). Empty on failure.</summary>
    public IReadOnlyList<string> CoveredComponents { get; private init; } = [];

    /// <summary>When the signature says it was made (Date header or <c>created</c>).</summary>
    public DateTimeOffset? SignedAt { get; private init; }

    /// <summary>Why the signature was refused; null exactly when <see cref="IsValid"/>.</summary>
    public SignatureFailure? Failure { get; }

    /// <summary>Human-readable reason; safe to log, never contains key material. Null when valid.</summary>
    public string? Message { get; }

    internal static SignatureVerificationResult Fail(SignatureScheme scheme, SignatureFailure failure, string message, string? keyId = null) =>
        new(scheme, failure, message, keyId);

    /// <summary>
    /// The only way to a valid result: checks <paramref name="signature"/> over the UTF-8 bytes of
    /// <paramref name="signatureBase"/> with each candidate algorithm; valid when one verifies, otherwise
    /// <see cref="SignatureFailure.InvalidSignature"/>. Callers run every policy check before this.
    /// </summary>
    internal static SignatureVerificationResult FromCryptographicCheck(SignatureScheme scheme, VerificationKey key, IReadOnlyList<HttpSignatureAlgorithm> algorithms,
        string signatureBase, byte[] signature, IReadOnlyList<string> covered, DateTimeOffset? signedAt)
    {
        var data = Encoding.UTF8.GetBytes(signatureBase);
        foreach (var algorithm in algorithms)
        {
            if (key.Verify(algorithm, data, signature))
            {
                return new SignatureVerificationResult(scheme, null, null, key.KeyId)
                {
                    Algorithm = algorithm,
                    CoveredComponents = covered,
                    SignedAt = signedAt,
                };
            }
        }

        return Fail(scheme, SignatureFailure.InvalidSignature, "The signature does not verify.", key.KeyId);
    }
}
