using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures.StructuredFields;

namespace Kindred.ActivityPub.Signatures;

/// <summary>RFC 9421 §3.2 verification of one signature, plus our coverage and freshness policy.</summary>
internal static class Rfc9421Verifier
{
    private const SignatureScheme Scheme = SignatureScheme.Rfc9421;

    /// <summary>One Signature-Input member with its Signature value.</summary>
    internal sealed record Candidate(string Label, SfInnerList Input, byte[]? Signature)
    {
        public string? KeyId => Input.Parameters["keyid"] as string;
    }

    /// <summary>Parses both dictionaries (§4.1, §4.2). Throws FormatException when malformed.</summary>
    public static List<Candidate> ReadCandidates(string signatureInput, string? signatureField)
    {
        var signatures = StructuredFieldParser.ParseDictionary(signatureField ?? "");
        var result = new List<Candidate>();
        foreach (var member in StructuredFieldParser.ParseDictionary(signatureInput))
        {
            if (member.InnerList is null)
            {
                throw new FormatException($"Signature-Input member '{member.Key}' is not an inner list.");
            }

            var signature = signatures.FirstOrDefault(s => s.Key == member.Key)?.Item?.Value as byte[];
            result.Add(new Candidate(member.Key, member.InnerList, signature));
        }

        return result;
    }

    public static SignatureVerificationResult Verify(SignableRequest request, string signatureInput, VerificationKey key, DateTimeOffset now, HttpSignatureVerifierOptions options)
    {
        List<Candidate> candidates;
        try
        {
            candidates = ReadCandidates(signatureInput, request.Headers.GetCombined("Signature"));
        }
        catch (FormatException ex)
        {
            return SignatureVerificationResult.Fail(Scheme, SignatureFailure.Malformed, ex.Message);
        }

        // §3.2 step 1-2: pick the signature made with this key; a single signature that names no key is
        // checked with the key the caller chose from context (ReadKeyId never names one for it).
        var candidate = candidates is [{ KeyId: null } only] ? only : candidates.Find(c => c.KeyId == key.KeyId);
        if (candidate is null)
        {
            return SignatureVerificationResult.Fail(Scheme, SignatureFailure.KeyIdMismatch, $"No signature made with key '{key.KeyId}'.");
        }

        return VerifyCandidate(request, candidate, key, now, options);
    }

    private static SignatureVerificationResult VerifyCandidate(SignableRequest request, Candidate candidate, VerificationKey key, DateTimeOffset now, HttpSignatureVerifierOptions options)
    {
        SignatureVerificationResult Fail(SignatureFailure f, string message) => SignatureVerificationResult.Fail(Scheme, f, message, key.KeyId);

        if (candidate.Signature is null)
        {
            return Fail(SignatureFailure.MissingSignature, $"No Signature value for label '{candidate.Label}'.");
        }

        if (key.Type == KeyType.Rsa && key.RsaKeySizeInBits < options.MinimumRsaKeySizeInBits)
        {
            return Fail(SignatureFailure.KeyTooWeak, $"RSA key of {key.RsaKeySizeInBits} bits.");
        }

        var parameters = candidate.Input.Parameters;
        HttpSignatureAlgorithm[] algorithms;
        if (parameters["alg"] is { } algValue)
        {
            var alg = HttpSignatureAlgorithmNames.FromRfc9421Name(algValue as string);
            if (alg == HttpSignatureAlgorithm.Unknown)
            {
                return Fail(SignatureFailure.UnsupportedAlgorithm, $"alg '{algValue}' is not supported.");
            }

            // §3.2 step 6: the algorithm must be consistent with the key material.
            if (!key.Supports(alg))
            {
                return Fail(SignatureFailure.AlgorithmKeyMismatch, $"alg '{algValue}' does not match a {key.Type} key.");
            }

            algorithms = [alg];
        }
        else
        {
            algorithms = key.Type switch
            {
                KeyType.Rsa => [HttpSignatureAlgorithm.RsaPkcs1Sha256, HttpSignatureAlgorithm.RsaPssSha512],
                KeyType.Ed25519 => [HttpSignatureAlgorithm.Ed25519],
                KeyType.EcdsaP256 => [HttpSignatureAlgorithm.EcdsaP256Sha256],
                KeyType.HmacSha256 => [HttpSignatureAlgorithm.HmacSha256],
                _ => [],
            };
        }

        var covered = candidate.Input.Items.Select(StructuredFieldSerializer.SerializeItem).ToArray();
        var names = candidate.Input.Items.Where(i => i.Parameters.Items.Count == 0).Select(i => i.Value as string).ToHashSet(StringComparer.Ordinal);
        if (options.EnforceCoveragePolicy && MissingRequired(request, names) is { } missing)
        {
            return Fail(SignatureFailure.MissingRequiredComponent, $"{missing} must be signed.");
        }

        var timeFailure = CheckTime(request, parameters, names, now, options, out var signedAt);
        if (timeFailure is not null)
        {
            return Fail(timeFailure.Value.Failure, timeFailure.Value.Message);
        }

        if (CavageVerifier.CheckDigests(request, options) is { } digestFailure)
        {
            return Fail(digestFailure.Failure, digestFailure.Message);
        }

        if (Rfc9421SignatureBase.Build(request, candidate.Input, out var signatureBase) is { } problem)
        {
            return Fail(problem.Failure, problem.Message);
        }

        return SignatureVerificationResult.FromCryptographicCheck(Scheme, key, algorithms, signatureBase, candidate.Signature, covered, signedAt);
    }

    private static string? MissingRequired(SignableRequest request, HashSet<string?> names)
    {
        if (!names.Contains("@method"))
        {
            return "@method";
        }

        var targetCovered = names.Contains("@target-uri")
            || (names.Contains("@authority") && (names.Contains("@path") || names.Contains("@request-target")));
        if (!targetCovered)
        {
            return "@target-uri (or @authority with @path)";
        }

        return request.CarriesBody && !names.Contains("content-digest") ? "content-digest" : null;
    }

    private static (SignatureFailure Failure, string Message)? CheckTime(SignableRequest request, SfParameters parameters, HashSet<string?> names, DateTimeOffset now, HttpSignatureVerifierOptions options, out DateTimeOffset? signedAt)
    {
        signedAt = null;
        if (parameters["created"] is { } createdValue)
        {
            if (SignatureTime.FromUnix(createdValue as long?) is not { } created)
            {
                return (SignatureFailure.DateInvalid, "created must be an integer Unix time (§2.3).");
            }

            signedAt = created;
            if (SignatureTime.CheckWindow(created, now, options, "created") is { } f)
            {
                return f;
            }
        }

        if (names.Contains("date"))
        {
            if (!SignatureTime.TryParseHttpDate(request.Headers.GetCombined("Date"), out var date))
            {
                return (SignatureFailure.DateInvalid, "The signed Date header is not an HTTP-date.");
            }

            signedAt ??= date;
            if (SignatureTime.CheckWindow(date, now, options, "Date") is { } f)
            {
                return f;
            }
        }

        if (parameters["expires"] is { } expires)
        {
            if (expires is not long e)
            {
                return (SignatureFailure.Malformed, "expires must be an integer (§2.3).");
            }

            if (SignatureTime.CheckExpires(e, now) is { } expired)
            {
                return expired;
            }
        }

        return signedAt is null && options.EnforceCoveragePolicy
            ? (SignatureFailure.DateMissing, "The signature has no created parameter and no signed Date.")
            : null;
    }
}
