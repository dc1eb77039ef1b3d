using Kindred.ActivityPub.Keys;

namespace Kindred.ActivityPub.Signatures;

/// <summary>draft-cavage-http-signatures-12 §2.5 verification plus the fediverse's coverage rules.</summary>
internal static class CavageVerifier
{
    private const SignatureScheme Scheme = SignatureScheme.Cavage;

    public static SignatureVerificationResult Verify(SignableRequest request, CavageSignatureHeader header, VerificationKey key, DateTimeOffset now, HttpSignatureVerifierOptions options)
    {
        if (!string.Equals(header.KeyId, key.KeyId, StringComparison.Ordinal))
        {
            return Fail(SignatureFailure.KeyIdMismatch, $"Signed with '{header.KeyId}', key given is '{key.KeyId}'.");
        }

        if (key.Type == KeyType.Rsa && key.RsaKeySizeInBits < options.MinimumRsaKeySizeInBits)
        {
            return Fail(SignatureFailure.KeyTooWeak, $"RSA key of {key.RsaKeySizeInBits} bits.");
        }

        var candidates = ResolveAlgorithms(header.Algorithm, key.Type, out var failure);
        if (failure is not null)
        {
            return Fail(failure.Value.Failure, failure.Value.Message);
        }

        // §2.3: (created)/(expires) MUST NOT be used with algorithms named after rsa, hmac or ecdsa,
        // since those names fix the algorithm while the pseudo-headers belong to hs2019.
        if (header.Algorithm is { } a && (a.StartsWith("rsa", StringComparison.Ordinal) || a.StartsWith("hmac", StringComparison.Ordinal) || a.StartsWith("ecdsa", StringComparison.Ordinal))
            && (header.Headers.Contains("(created)") || header.Headers.Contains("(expires)")))
        {
            return Fail(SignatureFailure.Malformed, "(created)/(expires) cannot be used with this algorithm (cavage-12 §2.3).");
        }

        if (header.Headers.Distinct().Count() != header.Headers.Count)
        {
            return Fail(SignatureFailure.Malformed, "A header is listed twice.");
        }

        var covered = header.Headers;
        if (options.EnforceCoveragePolicy)
        {
            var missing = RequiredHeaders(request, covered).FirstOrDefault(r => !covered.Contains(r));
            if (missing is not null)
            {
                return Fail(SignatureFailure.MissingRequiredComponent, $"'{missing}' must be signed.");
            }
        }

        var timeFailure = CheckTime(request, header, now, options, out var signedAt);
        if (timeFailure is not null)
        {
            return Fail(timeFailure.Value.Failure, timeFailure.Value.Message);
        }

        var digestFailure = CheckDigests(request, options);
        if (digestFailure is not null)
        {
            return Fail(digestFailure.Value.Failure, digestFailure.Value.Message);
        }

        var signingString = CavageSigningString.Build(request, covered, header.Created, header.Expires);
        if (signingString is null)
        {
            return Fail(SignatureFailure.MissingCoveredComponent, "A signed header is missing from the request.");
        }

        return SignatureVerificationResult.FromCryptographicCheck(Scheme, key, candidates, signingString, header.Signature, covered, signedAt);

        SignatureVerificationResult Fail(SignatureFailure f, string message) =>
            SignatureVerificationResult.Fail(Scheme, f, message, header.KeyId);
    }

    /// <summary>
    /// Maps the <c>algorithm</c> parameter to concrete checks for this key (§2.1.3, §2.5). The key's
    /// type always decides: a parameter that contradicts it is rejected, never followed.
    /// </summary>
    private static HttpSignatureAlgorithm[] ResolveAlgorithms(string? algorithm, KeyType keyType, out (SignatureFailure Failure, string Message)? failure)
    {
        failure = null;
        switch (algorithm, keyType)
        {
            case ("rsa-sha256", KeyType.Rsa):
                return [HttpSignatureAlgorithm.RsaPkcs1Sha256];

            // hs2019 with RSA: the fediverse (Mastodon, Misskey, GoToSocial...) means PKCS#1 v1.5 SHA-256;
            // the draft's registry means RSASSA-PSS SHA-512. Both are sound, so accept either.
            case ("hs2019" or null, KeyType.Rsa):
                return [HttpSignatureAlgorithm.RsaPkcs1Sha256, HttpSignatureAlgorithm.RsaPssSha512];
            case ("hs2019" or "ed25519" or null, KeyType.Ed25519):
                return [HttpSignatureAlgorithm.Ed25519];
            case ("rsa-sha256" or "ed25519", _):
                failure = (SignatureFailure.AlgorithmKeyMismatch, $"algorithm '{algorithm}' does not match a {keyType} key.");
                return [];
            default:
                failure = (SignatureFailure.UnsupportedAlgorithm, $"algorithm '{algorithm ?? "(none)"}' with a {keyType} key is not supported.");
                return [];
        }
    }

    private static IEnumerable<string> RequiredHeaders(SignableRequest request, IReadOnlyList<string> covered)
    {
        yield return "(request-target)";
        yield return "host";

        // cavage-12 §2.1.4 lets (created) stand in for Date.
        if (!covered.Contains("(created)"))
        {
            yield return "date";
        }

        if (request.CarriesBody && !covered.Contains("content-digest"))
        {
            yield return "digest";
        }
    }

    private static (SignatureFailure Failure, string Message)? CheckTime(SignableRequest request, CavageSignatureHeader header, DateTimeOffset now, HttpSignatureVerifierOptions options, out DateTimeOffset? signedAt)
    {
        signedAt = null;
        if (header.Headers.Contains("date"))
        {
            if (!SignatureTime.TryParseHttpDate(request.Headers.GetCombined("Date"), out var date))
            {
                return (SignatureFailure.DateInvalid, "The signed Date header is not an HTTP-date.");
            }

            signedAt = date;
            if (SignatureTime.CheckWindow(date, now, options, "Date") is { } f)
            {
                return f;
            }
        }

        if (header.Created is not null)
        {
            var created = SignatureTime.FromUnix(header.Created);
            if (created is null)
            {
                return (SignatureFailure.DateInvalid, "created is out of range.");
            }

            signedAt ??= created;
            if (SignatureTime.CheckWindow(created.Value, now, options, "created") is { } f)
            {
                return f;
            }
        }

        if (SignatureTime.CheckExpires(header.Expires, now) is { } expired)
        {
            return expired;
        }

        return signedAt is null && options.EnforceCoveragePolicy
            ? (SignatureFailure.DateMissing, "Neither a signed Date nor created.")
            : null;
    }

    /// <summary>Every digest header present must match the body; with a body, one must also be signed.</summary>
    internal static (SignatureFailure Failure, string Message)? CheckDigests(SignableRequest request, HttpSignatureVerifierOptions options)
    {
        var body = request.Body.Span;
        var digest = request.Headers.GetCombined("Digest");
        var contentDigest = request.Headers.GetCombined("Content-Digest");
        if (digest is null && contentDigest is null)
        {
            return request.CarriesBody && options.EnforceCoveragePolicy
                ? (SignatureFailure.DigestMissing, "A request with a body needs a Digest header.")
                : null;
        }

        foreach (var check in new[] { digest is null ? (DigestCheck?)null : BodyDigest.CheckDigestHeader(digest, body), contentDigest is null ? null : BodyDigest.CheckContentDigest(contentDigest, body) })
        {
            switch (check)
            {
                case DigestCheck.Mismatch:
                    return (SignatureFailure.DigestMismatch, "The body does not match its digest.");
                case DigestCheck.Unsupported:
                    return (SignatureFailure.DigestUnsupported, "Only SHA-256 and SHA-512 digests are accepted.");
                case DigestCheck.Malformed:
                    return (SignatureFailure.Malformed, "The digest header is malformed.");
            }
        }

        return null;
    }
}
