using Kindred.ActivityPub.Keys;

namespace Kindred.ActivityPub.Signatures;

/// <summary>
/// Verifies inbound HTTP signatures: RFC 9421 when <c>Signature-Input</c> is present, otherwise
/// draft-cavage-http-signatures-12 (<c>Signature</c> or <c>Authorization: Signature</c>).
/// Usage: <see cref="ReadKeyId"/> → the server resolves that key (cache or fetch) →
/// <see cref="Verify"/>; on <see cref="SignatureFailure.InvalidSignature"/> the server may re-fetch the
/// key once (rotation) and verify again. The caller must still check that the key's owner is the
/// activity's actor (FEP-fe34, <see cref="Origins.SameOrigin(Uri, Uri)"/>). Thread-safe.
/// </summary>
public sealed class HttpSignatureVerifier(TimeProvider time, HttpSignatureVerifierOptions? options = null)
{
    private readonly TimeProvider _time = time ?? throw new ArgumentNullException(nameof(time));

    public HttpSignatureVerifierOptions Options { get; } = options ?? HttpSignatureVerifierOptions.Default;

    /// <summary>
    /// Reads which key signed the request without verifying anything. Null when there is no signature
    /// or it is unreadable (then <see cref="Verify"/> reports why). With several RFC 9421 signatures,
    /// the first one that names a key and has a <c>Signature</c> value is returned. Never throws for bad input.
    /// </summary>
    public static SignatureKeyReference? ReadKeyId(SignableRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            if (request.Headers.GetCombined("Signature-Input") is { } signatureInput)
            {
                // A label without a Signature member signs nothing: never a reason to fetch a key.
                var candidate = Rfc9421Verifier.ReadCandidates(signatureInput, request.Headers.GetCombined("Signature"))
                    .FirstOrDefault(c => c.KeyId is not null && c.Signature is not null);
                return candidate is null
                    ? null
                    : new SignatureKeyReference(SignatureScheme.Rfc9421, candidate.KeyId!, candidate.Label, candidate.Input.Parameters["alg"] as string);
            }

            var header = CavageSignatureHeader.FromRequest(request);
            return header is null ? null : new SignatureKeyReference(SignatureScheme.Cavage, header.KeyId, null, header.Algorithm);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Verifies the request's signature with an already-resolved key. Never throws for bad
    /// input: every problem is a <see cref="SignatureFailure"/>.</summary>
    public SignatureVerificationResult Verify(SignableRequest request, VerificationKey key)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(key);
        var now = _time.GetUtcNow();
        if (request.Headers.GetCombined("Signature-Input") is { } signatureInput)
        {
            return Rfc9421Verifier.Verify(request, signatureInput, key, now, Options);
        }

        CavageSignatureHeader? header;
        try
        {
            header = CavageSignatureHeader.FromRequest(request);
        }
        catch (FormatException ex)
        {
            return SignatureVerificationResult.Fail(SignatureScheme.Cavage, SignatureFailure.Malformed, ex.Message);
        }

        return header is null
            ? SignatureVerificationResult.Fail(SignatureScheme.Unknown, SignatureFailure.MissingSignature, "The request is not signed.")
            : CavageVerifier.Verify(request, header, key, now, Options);
    }
}
