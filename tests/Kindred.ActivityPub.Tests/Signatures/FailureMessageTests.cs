using System.Security.Cryptography;
using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures;
using static Kindred.ActivityPub.Tests.Support.SigningRig;

namespace Kindred.ActivityPub.Tests.Signatures;

/// <summary>
/// Every refusal says which rule it broke, in words an admin can act on: the server logs
/// <see cref="SignatureVerificationResult.Message"/> for each refused delivery.
/// </summary>
public sealed class FailureMessageTests
{
    private const string CavagePost = "(request-target) host date digest";
    private const string Rfc9421Post = "\"@method\" \"@target-uri\" \"content-digest\"";

    private sealed record Case(string Name, Func<SignatureVerificationResult> Verify, SignatureFailure Failure, string Message);

    private static SignatureVerificationResult Ed(SignableRequest request, DateTimeOffset? at = null) => Verifier(at).Verify(request, EdKey());

    private static SignatureVerificationResult Rsa(SignableRequest request) => Verifier().Verify(request, RsaKey());

    private static SignableRequest Cavage(string headers = CavagePost, string? algorithm = "hs2019", Action<SignableRequest>? before = null, long? created = null, long? expires = null)
    {
        var request = Post();
        before?.Invoke(request);
        using var signer = EdSigner();
        return SignCavage(request, signer, headers, algorithm, created, expires);
    }

    private static SignableRequest Rfc9421(string input, Action<SignableRequest>? before = null, SigningKey? key = null)
    {
        var request = Post(url: new Uri("https://kindred.example/inbox?a=1"));
        before?.Invoke(request);
        using var signer = key ?? EdSigner();
        return Sign9421(request, signer, input);
    }

    private static SignableRequest With(SignableRequest request, Action<SignableRequest> change)
    {
        change(request);
        return request;
    }

    private static SignableRequest RsaCavage(string algorithm, string headers = CavagePost, long? created = null)
    {
        using var signer = RsaSigner();
        return SignCavage(Post(), signer, headers, algorithm, created);
    }

    private static IEnumerable<Case> Cases()
    {
        var ed = $";created={NowUnix};keyid=\"{EdKeyId}\"";
        var twoHoursAgo = ImfDate(Now.AddHours(-2));

        // draft-cavage
        yield return new("cavage key id", () => Verifier().Verify(Cavage(), VerificationKey.FromMultibase("https://other.example/k", null, Kindred.ActivityPub.Tests.Support.SigningRig.Ed.PublicKeyMultibase)),
            SignatureFailure.KeyIdMismatch, $"Signed with '{EdKeyId}', key given is 'https://other.example/k'.");
        yield return new("cavage weak key", () => { var (s, k) = WeakRsa(); return Verifier().Verify(SignCavage(Post(), s, CavagePost), k); },
            SignatureFailure.KeyTooWeak, "RSA key of 1024 bits.");
        yield return new("cavage created with rsa", () => Rsa(RsaCavage("rsa-sha256", "(request-target) host (created) digest", NowUnix)),
            SignatureFailure.Malformed, "(created)/(expires) cannot be used with this algorithm (cavage-12 §2.3).");
        yield return new("cavage twice", () => Ed(Cavage(CavagePost + " host")), SignatureFailure.Malformed, "A header is listed twice.");
        yield return new("cavage absent header", () => Ed(Cavage(CavagePost + " x-absent")),
            SignatureFailure.MissingCoveredComponent, "A signed header is missing from the request.");
        yield return new("cavage alg mismatch", () => Rsa(RsaCavage("ed25519")), SignatureFailure.AlgorithmKeyMismatch, "algorithm 'ed25519' does not match a Rsa key.");
        yield return new("cavage alg unsupported", () => Rsa(RsaCavage("hmac-sha256")), SignatureFailure.UnsupportedAlgorithm, "algorithm 'hmac-sha256' with a Rsa key is not supported.");
        yield return new("cavage no alg, ecdsa key", () =>
            {
                using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                using var signer = SigningKey.FromPkcs8("ec", ec.ExportPkcs8PrivateKey());
                return Verifier().Verify(SignCavage(Post(), signer, CavagePost, null), VerificationKey.FromSpki("ec", null, ec.ExportSubjectPublicKeyInfo()));
            },
            SignatureFailure.UnsupportedAlgorithm, "algorithm '(none)' with a EcdsaP256 key is not supported.");
        yield return new("cavage bad date", () => Ed(Cavage(before: r => r.Headers.Set("Date", "yesterday"))),
            SignatureFailure.DateInvalid, "The signed Date header is not an HTTP-date.");
        yield return new("cavage old date", () => Ed(Cavage(before: r => r.Headers.Set("Date", twoHoursAgo))),
            SignatureFailure.TooOld, "Date 2025-03-01T10:00:00.0000000+00:00 is older than 01:00:00.");
        yield return new("cavage future date", () => Ed(Cavage(), Now.AddHours(-1)),
            SignatureFailure.InFuture, "Date 2025-03-01T12:00:00.0000000+00:00 is too far in the future.");
        yield return new("cavage created out of range", () => Ed(Cavage("(request-target) host (created) digest", created: 999_999_999_999_999)),
            SignatureFailure.DateInvalid, "created is out of range.");
        yield return new("cavage old created", () => Ed(Cavage("(request-target) host (created) digest", created: NowUnix - 7200)),
            SignatureFailure.TooOld, "created 2025-03-01T10:00:00.0000000+00:00 is older than 01:00:00.");
        yield return new("cavage no time", () => Ed(Cavage("(request-target) host (created) digest")), SignatureFailure.DateMissing, "Neither a signed Date nor created.");
        yield return new("cavage expired", () => Ed(Cavage(expires: NowUnix - 1)), SignatureFailure.Expired, "The signature has expired.");
        yield return new("cavage required", () => Ed(Cavage("(request-target) host date")), SignatureFailure.MissingRequiredComponent, "'digest' must be signed.");
        yield return new("cavage no digest", () => Ed(Cavage("(request-target) host date content-digest", before: r => { r.Headers.Remove("Digest"); r.Headers.Remove("Content-Digest"); })),
            SignatureFailure.DigestMissing, "A request with a body needs a Digest header.");
        yield return new("cavage digest mismatch", () => Ed(Cavage(before: r => r.Headers.Set("Digest", BodyDigest.ComputeDigestHeader("x"u8)))),
            SignatureFailure.DigestMismatch, "The body does not match its digest.");
        yield return new("cavage digest weak", () => Ed(Cavage(before: r => { r.Headers.Set("Digest", "MD5=AQID"); r.Headers.Remove("Content-Digest"); })),
            SignatureFailure.DigestUnsupported, "Only SHA-256 and SHA-512 digests are accepted.");
        yield return new("cavage digest garbage", () => Ed(Cavage(before: r => r.Headers.Set("Digest", "SHA-256"))),
            SignatureFailure.Malformed, "The digest header is malformed.");
        yield return new("cavage forged", () => Ed(With(Cavage(), r => r.Headers.Set("Host", "elsewhere.example"))),
            SignatureFailure.InvalidSignature, "The signature does not verify.");
        yield return new("cavage unparseable", () => Ed(With(Post(), r => r.Headers.Set("Signature", "keyId=\"a\",keyId=\"b\",signature=\"AQID\""))),
            SignatureFailure.Malformed, "Duplicate parameter 'keyid'.");
        yield return new("unsigned", () => Ed(Post()), SignatureFailure.MissingSignature, "The request is not signed.");

        // RFC 9421
        yield return new("9421 not an inner list", () => Ed(With(Post(), r => r.Headers.Set("Signature-Input", "sig1=:AQID:"))),
            SignatureFailure.Malformed, "Signature-Input member 'sig1' is not an inner list.");
        yield return new("9421 other key", () => Ed(Rfc9421($"({Rfc9421Post});created={NowUnix};keyid=\"https://other.example/k\"")),
            SignatureFailure.KeyIdMismatch, $"No signature made with key '{EdKeyId}'.");
        yield return new("9421 no value", () => Ed(With(Rfc9421($"({Rfc9421Post}){ed}"), r => r.Headers.Set("Signature", "sig2=:AQID:"))),
            SignatureFailure.MissingSignature, "No Signature value for label 'sig1'.");
        yield return new("9421 weak key", () => { var (s, k) = WeakRsa(); return Verifier().Verify(Rfc9421($"({Rfc9421Post}){Params(RsaKeyId)}", key: s), k); },
            SignatureFailure.KeyTooWeak, "RSA key of 1024 bits.");
        yield return new("9421 alg unknown", () => Ed(Rfc9421($"({Rfc9421Post}){ed};alg=\"rsa-sha1\"")), SignatureFailure.UnsupportedAlgorithm, "alg 'rsa-sha1' is not supported.");
        yield return new("9421 alg mismatch", () => Ed(Rfc9421($"({Rfc9421Post}){ed};alg=\"rsa-pss-sha512\"")),
            SignatureFailure.AlgorithmKeyMismatch, "alg 'rsa-pss-sha512' does not match a Ed25519 key.");
        yield return new("9421 no method", () => Ed(Rfc9421($"(\"@target-uri\" \"content-digest\"){ed}")), SignatureFailure.MissingRequiredComponent, "@method must be signed.");
        yield return new("9421 no target", () => Ed(Rfc9421($"(\"@method\" \"content-digest\"){ed}")),
            SignatureFailure.MissingRequiredComponent, "@target-uri (or @authority with @path) must be signed.");
        yield return new("9421 no digest", () => Ed(Rfc9421($"(\"@method\" \"@target-uri\"){ed}")), SignatureFailure.MissingRequiredComponent, "content-digest must be signed.");
        yield return new("9421 created text", () => Ed(Rfc9421($"({Rfc9421Post});created=\"now\";keyid=\"{EdKeyId}\"")),
            SignatureFailure.DateInvalid, "created must be an integer Unix time (§2.3).");
        yield return new("9421 old created", () => Ed(Rfc9421($"({Rfc9421Post}){Params(EdKeyId, NowUnix - 7200)}")),
            SignatureFailure.TooOld, "created 2025-03-01T10:00:00.0000000+00:00 is older than 01:00:00.");
        yield return new("9421 bad date", () => Ed(Rfc9421($"({Rfc9421Post} \"date\"){ed}", r => r.Headers.Set("Date", "Saturday, 01-Mar-25 12:00:00 GMT"))),
            SignatureFailure.DateInvalid, "The signed Date header is not an HTTP-date.");
        yield return new("9421 old date", () => Ed(Rfc9421($"({Rfc9421Post} \"date\"){ed}", r => r.Headers.Set("Date", twoHoursAgo))),
            SignatureFailure.TooOld, "Date 2025-03-01T10:00:00.0000000+00:00 is older than 01:00:00.");
        yield return new("9421 expires text", () => Ed(Rfc9421($"({Rfc9421Post}){ed};expires=\"soon\"")), SignatureFailure.Malformed, "expires must be an integer (§2.3).");
        yield return new("9421 no time", () => Ed(Rfc9421($"({Rfc9421Post});keyid=\"{EdKeyId}\"")),
            SignatureFailure.DateMissing, "The signature has no created parameter and no signed Date.");

        // RFC 9421 signature bases
        yield return new("base token", () => Ed(Rfc9421($"({Rfc9421Post} method){ed}")), SignatureFailure.Malformed, "Component identifiers are non-empty strings (§2).");
        yield return new("base twice", () => Ed(Rfc9421($"({Rfc9421Post} \"@method\"){ed}")), SignatureFailure.Malformed, "Component \"@method\" listed twice.");
        yield return new("base upper", () => Ed(Rfc9421($"({Rfc9421Post} \"Date\"){ed}")), SignatureFailure.Malformed, "Invalid component name \"Date\".");
        yield return new("base nameless", () => Ed(Rfc9421($"({Rfc9421Post} \"@query-param\"){ed}")), SignatureFailure.Malformed, "@query-param needs a name parameter (§2.2.8).");
        yield return new("base status", () => Ed(Rfc9421($"({Rfc9421Post} \"@status\"){ed}")),
            SignatureFailure.UnsupportedComponent, "Derived component @status is not supported on requests.");
        yield return new("base sf", () => Ed(Rfc9421($"({Rfc9421Post} \"content-type\";sf){ed}")),
            SignatureFailure.UnsupportedComponent, "Component parameter ;sf is not supported.");
        yield return new("base absent", () => Ed(Rfc9421($"({Rfc9421Post} \"x-absent\"){ed}")),
            SignatureFailure.MissingCoveredComponent, "Covered component x-absent is absent from the request.");
        yield return new("9421 forged", () => Ed(Rfc9421($"({Rfc9421Post}){ed}", key: RsaSigner())), SignatureFailure.InvalidSignature, "The signature does not verify.");
    }

    [Fact]
    public void Each_refusal_names_its_rule()
    {
        var wrong = new List<string>();
        foreach (var c in Cases())
        {
            var result = c.Verify();
            if (result.IsValid || result.Failure != c.Failure || result.Message != c.Message)
            {
                wrong.Add($"{c.Name}: expected {c.Failure} \"{c.Message}\", got {result.Failure} \"{result.Message}\"");
            }
        }

        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }
}
