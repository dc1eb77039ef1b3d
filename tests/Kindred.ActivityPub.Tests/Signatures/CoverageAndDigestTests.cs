using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures;
using static Kindred.ActivityPub.Tests.Support.SigningRig;

namespace Kindred.ActivityPub.Tests.Signatures;

/// <summary>What must be signed (body digests, the target, the method), how strong the key must be,
/// and which algorithm a key may be checked with.</summary>
public sealed class CoverageAndDigestTests
{
    private const string CavagePost = "(request-target) host date digest";
    private const string Rfc9421Post = "\"@method\" \"@target-uri\" \"content-digest\"";

    [Fact]
    public void A_request_with_a_body_needs_a_signed_digest_whatever_its_method()
    {
        using var ed = EdSigner();

        // A GET (or DELETE) that carries a body: the body must be bound to the signature too.
        foreach (var method in new[] { "GET", "DELETE" })
        {
            var cavage = SignCavage(Post(method: method), ed, "(request-target) host date", "hs2019");
            Assert.Equal(SignatureFailure.MissingRequiredComponent, Verifier().Verify(cavage, EdKey()).Failure);
            var rfc9421 = Sign9421(Post(method: method), ed, $"(\"@method\" \"@target-uri\"){Params(EdKeyId)}");
            Assert.Equal(SignatureFailure.MissingRequiredComponent, Verifier().Verify(rfc9421, EdKey()).Failure);
            Assert.True(Verifier().Verify(SignCavage(Post(method: method), ed, CavagePost, "hs2019"), EdKey()).IsValid);
            Assert.True(Verifier().Verify(Sign9421(Post(method: method), ed, $"({Rfc9421Post}){Params(EdKeyId)}"), EdKey()).IsValid);
        }

        // Without a body a GET needs none.
        Assert.True(Verifier().Verify(SignCavage(Get(), ed, "(request-target) host date", "hs2019"), EdKey()).IsValid);
        Assert.True(Verifier().Verify(Sign9421(Get(), ed, $"(\"@method\" \"@target-uri\"){Params(EdKeyId)}"), EdKey()).IsValid);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    public void An_empty_post_still_needs_a_signed_digest_of_the_empty_body(string method)
    {
        using var ed = EdSigner();
        var cavage = SignCavage(Post([], method), ed, "(request-target) host date", "hs2019");
        Assert.Equal(SignatureFailure.MissingRequiredComponent, Verifier().Verify(cavage, EdKey()).Failure);
        var rfc9421 = Sign9421(Post([], method), ed, $"(\"@method\" \"@target-uri\"){Params(EdKeyId)}");
        Assert.Equal(SignatureFailure.MissingRequiredComponent, Verifier().Verify(rfc9421, EdKey()).Failure);

        Assert.True(Verifier().Verify(SignCavage(Post([], method), ed, CavagePost, "hs2019"), EdKey()).IsValid);
        Assert.True(Verifier().Verify(Sign9421(Post([], method), ed, $"({Rfc9421Post}){Params(EdKeyId)}"), EdKey()).IsValid);

        // The digest of something else is no digest of nothing.
        var wrong = Post([], method);
        wrong.Headers.Set("Digest", BodyDigest.ComputeDigestHeader(Body));
        Assert.Equal(SignatureFailure.DigestMismatch, Verifier().Verify(SignCavage(wrong, ed, CavagePost, "hs2019"), EdKey()).Failure);
    }

    [Fact]
    public void A_signed_digest_header_must_be_present_and_every_digest_sent_must_match()
    {
        using var ed = EdSigner();
        var noDigests = Post();
        noDigests.Headers.Remove("Digest");
        noDigests.Headers.Remove("Content-Digest");
        Assert.Equal(SignatureFailure.DigestMissing, Verifier().Verify(SignCavage(noDigests, ed, "(request-target) host date content-digest", "hs2019"), EdKey()).Failure);

        // cavage may sign content-digest instead of digest.
        var contentDigestOnly = Post();
        contentDigestOnly.Headers.Remove("Digest");
        Assert.True(Verifier().Verify(SignCavage(contentDigestOnly, ed, "(request-target) host date content-digest", "hs2019"), EdKey()).IsValid);

        // An unsigned but wrong Content-Digest next to a right, signed Digest still fails.
        var mixed = Post();
        mixed.Headers.Set("Content-Digest", BodyDigest.ComputeContentDigest("{}"u8));
        Assert.Equal(SignatureFailure.DigestMismatch, Verifier().Verify(SignCavage(mixed, ed, CavagePost, "hs2019"), EdKey()).Failure);

        var weak = Post();
        weak.Headers.Set("Digest", "MD5=AQID");
        weak.Headers.Remove("Content-Digest");
        Assert.Equal(SignatureFailure.DigestUnsupported, Verifier().Verify(SignCavage(weak, ed, CavagePost, "hs2019"), EdKey()).Failure);

        var garbage = Post();
        garbage.Headers.Set("Content-Digest", "sha-256=AQID");
        Assert.Equal(SignatureFailure.Malformed, Verifier().Verify(Sign9421(garbage, ed, $"({Rfc9421Post}){Params(EdKeyId)}"), EdKey()).Failure);
    }

    [Theory]
    [InlineData("SHA-256=%%%", DigestCheck.Malformed)]
    [InlineData("=abc", DigestCheck.Malformed)]
    [InlineData("SHA-256", DigestCheck.Malformed)]
    [InlineData(" ", DigestCheck.Malformed)]
    [InlineData("sha-512=AQID", DigestCheck.Mismatch)]
    [InlineData("UNIXsum=30637, MD5=AQID", DigestCheck.Unsupported)]
    public void Digest_header_values(string value, DigestCheck expected) =>
        Assert.Equal(expected, BodyDigest.CheckDigestHeader(value, Body));

    [Theory]
    [InlineData("sha-256=AQID", DigestCheck.Malformed)]       // a token, not a byte sequence
    [InlineData("sha-256=:AQID", DigestCheck.Malformed)]
    [InlineData("", DigestCheck.Malformed)]
    [InlineData("sha-512=:AQID:", DigestCheck.Mismatch)]
    [InlineData("md5=:AQID:, sha=:AQID:", DigestCheck.Unsupported)]
    public void Content_digest_values(string value, DigestCheck expected) =>
        Assert.Equal(expected, BodyDigest.CheckContentDigest(value, Body));

    [Fact]
    public void Both_digest_forms_match_with_sha256_and_sha512()
    {
        var sha512 = Convert.ToBase64String(System.Security.Cryptography.SHA512.HashData(Body));
        Assert.Equal(DigestCheck.Match, BodyDigest.CheckDigestHeader("SHA-512=" + sha512, Body));
        Assert.Equal(DigestCheck.Match, BodyDigest.CheckDigestHeader("md5=AQID, " + BodyDigest.ComputeDigestHeader(Body), Body));
        Assert.Equal(DigestCheck.Match, BodyDigest.CheckContentDigest($"md5=:AQID:, sha-512=:{sha512}:", Body));
        Assert.Equal(DigestCheck.Mismatch, BodyDigest.CheckContentDigest($"sha-256=:{sha512}:", Body));
        Assert.StartsWith("sha-512=:", BodyDigest.ComputeContentDigest(Body, sha512: true), StringComparison.Ordinal);
        Assert.StartsWith("sha-256=:", BodyDigest.ComputeContentDigest(Body), StringComparison.Ordinal);
        Assert.StartsWith("SHA-256=", BodyDigest.ComputeDigestHeader(Body), StringComparison.Ordinal);

        // Empty list members and spaces around them are tolerated (RFC 9110 §5.6.1).
        Assert.Equal(DigestCheck.Match, BodyDigest.CheckDigestHeader(" , " + BodyDigest.ComputeDigestHeader(Body) + " ,, ", Body));
    }

    [Theory]
    [InlineData("\"@method\" \"@authority\" \"@path\" \"content-digest\"", true)]
    [InlineData("\"@method\" \"@authority\" \"@request-target\" \"content-digest\"", true)]
    [InlineData("\"@method\" \"@authority\" \"content-digest\"", false)]
    [InlineData("\"@method\" \"@path\" \"content-digest\"", false)]
    [InlineData("\"@method\" \"@scheme\" \"@authority\" \"@query\" \"content-digest\"", false)]
    [InlineData("\"@target-uri\" \"content-digest\" \"@request-target\"", false)]
    public void Rfc9421_must_bind_the_method_and_the_target(string components, bool valid)
    {
        using var ed = EdSigner();
        var result = Verifier().Verify(Sign9421(Post(), ed, $"({components}){Params(EdKeyId)}"), EdKey());
        Assert.Equal(valid, result.IsValid);
        if (!valid)
        {
            Assert.Equal(SignatureFailure.MissingRequiredComponent, result.Failure);
        }
    }

    [Fact]
    public void Rsa_keys_below_the_minimum_are_refused_on_both_paths()
    {
        var (signer, key) = WeakRsa();
        using (signer)
        using (key)
        {
            Assert.Equal(1024, key.RsaKeySizeInBits);
            var rfc9421 = Sign9421(Post(), signer, $"({Rfc9421Post}){Params(RsaKeyId)}");
            Assert.Equal(SignatureFailure.KeyTooWeak, Verifier().Verify(rfc9421, key).Failure);
            Assert.Equal(SignatureFailure.KeyTooWeak, Verifier().Verify(SignCavage(Post(), signer, CavagePost), key).Failure);

            // The same signatures are fine once the policy allows the size: only the size failed.
            var lenient = new HttpSignatureVerifierOptions { MinimumRsaKeySizeInBits = 1024 };
            Assert.True(Verifier(options: lenient).Verify(rfc9421, key).IsValid);
        }

        // 2048 bits is the minimum itself, and a stricter policy applies to it too.
        using var rsa = RsaSigner();
        var request = Sign9421(Post(), rsa, $"({Rfc9421Post}){Params(RsaKeyId)}");
        Assert.True(Verifier().Verify(request, RsaKey()).IsValid);
        Assert.Equal(SignatureFailure.KeyTooWeak, Verifier(options: new() { MinimumRsaKeySizeInBits = 2049 }).Verify(request, RsaKey()).Failure);
    }

    [Theory]
    [InlineData(";alg=\"rsa-v1_5-sha256\"", HttpSignatureAlgorithm.RsaPkcs1Sha256, null)]
    [InlineData("", HttpSignatureAlgorithm.RsaPkcs1Sha256, null)]
    [InlineData(";alg=\"rsa-pss-sha512\"", HttpSignatureAlgorithm.RsaPkcs1Sha256, SignatureFailure.InvalidSignature)]
    [InlineData(";alg=\"ed25519\"", HttpSignatureAlgorithm.RsaPkcs1Sha256, SignatureFailure.AlgorithmKeyMismatch)]
    [InlineData(";alg=\"rsa-sha1\"", HttpSignatureAlgorithm.RsaPkcs1Sha256, SignatureFailure.UnsupportedAlgorithm)]
    [InlineData(";alg=rsa", HttpSignatureAlgorithm.RsaPkcs1Sha256, SignatureFailure.UnsupportedAlgorithm)]
    [InlineData("", HttpSignatureAlgorithm.RsaPssSha512, null)]
    [InlineData(";alg=\"rsa-pss-sha512\"", HttpSignatureAlgorithm.RsaPssSha512, null)]
    public void Rfc9421_algorithm_follows_the_key(string alg, HttpSignatureAlgorithm signedWith, SignatureFailure? expected)
    {
        using var rsa = RsaSigner();
        var request = Sign9421(Post(), rsa, $"({Rfc9421Post}){Params(RsaKeyId)}{alg}", algorithm: signedWith);
        var result = Verifier().Verify(request, RsaKey());
        Assert.Equal(expected, result.Failure);
        if (expected is null)
        {
            Assert.Equal(signedWith, result.Algorithm);
        }
    }

    [Theory]
    [InlineData("rsa-sha256", true, null)]
    [InlineData("hs2019", true, null)]
    [InlineData(null, true, null)]
    [InlineData("RSA-SHA256", true, null)]                                 // parameter values are case-insensitive here
    [InlineData("ed25519", true, SignatureFailure.AlgorithmKeyMismatch)]
    [InlineData("rsa-sha256", false, SignatureFailure.AlgorithmKeyMismatch)]
    [InlineData("hmac-sha256", true, SignatureFailure.UnsupportedAlgorithm)]
    [InlineData("ecdsa-sha256", false, SignatureFailure.UnsupportedAlgorithm)]
    [InlineData("hs2019", false, null)]
    [InlineData("ed25519", false, null)]
    [InlineData(null, false, null)]
    public void Cavage_algorithm_follows_the_key(string? algorithm, bool rsaKey, SignatureFailure? expected)
    {
        using var signer = rsaKey ? RsaSigner() : EdSigner();
        using var key = rsaKey ? RsaKey() : EdKey();
        var request = SignCavage(Post(), signer, CavagePost, algorithm);
        var result = Verifier().Verify(request, key);
        Assert.Equal(expected, result.Failure);
        Assert.Equal(SignatureScheme.Cavage, result.Scheme);
        Assert.Equal(algorithm?.ToLowerInvariant(), HttpSignatureVerifier.ReadKeyId(request)?.Algorithm);
    }

    [Fact]
    public void Cavage_hs2019_with_rsa_accepts_pss_as_the_draft_defines_it()
    {
        using var rsa = RsaSigner();
        var request = Post();
        var names = CavagePost.Split(' ');
        var signature = rsa.Sign(HttpSignatureAlgorithm.RsaPssSha512, System.Text.Encoding.UTF8.GetBytes(CavageSigningString.Build(request, names, null, null)!));
        request.Headers.Set("Signature", new CavageSignatureHeader { KeyId = RsaKeyId, Algorithm = "hs2019", Headers = names, Signature = signature }.ToHeaderValue());
        var result = Verifier().Verify(request, RsaKey());
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(HttpSignatureAlgorithm.RsaPssSha512, result.Algorithm);

        request.Headers.Set("Signature", new CavageSignatureHeader { KeyId = RsaKeyId, Algorithm = "rsa-sha256", Headers = names, Signature = signature }.ToHeaderValue());
        Assert.Equal(SignatureFailure.InvalidSignature, Verifier().Verify(request, RsaKey()).Failure);
    }

    [Fact]
    public void Cavage_requires_the_target_the_host_and_a_time()
    {
        using var ed = EdSigner();
        foreach (var headers in new[] { "host date digest", "(request-target) date digest", "(request-target) host digest", "(request-target) host date" })
        {
            var result = Verifier().Verify(SignCavage(Post(), ed, headers, "hs2019"), EdKey());
            Assert.Equal(SignatureFailure.MissingRequiredComponent, result.Failure);
            Assert.Contains('\'', result.Message!);
        }

        Assert.True(Verifier(options: new() { EnforceCoveragePolicy = false }).Verify(SignCavage(Post(), ed, "date digest", "hs2019"), EdKey()).IsValid);
    }

    [Fact]
    public void A_key_can_only_check_its_own_algorithms()
    {
        using var rsa = RsaKey();
        using var ed = EdKey();
        Assert.True(rsa.Supports(HttpSignatureAlgorithm.RsaPkcs1Sha256));
        Assert.True(rsa.Supports(HttpSignatureAlgorithm.RsaPssSha512));
        Assert.False(rsa.Supports(HttpSignatureAlgorithm.Ed25519));
        Assert.False(rsa.Supports(HttpSignatureAlgorithm.HmacSha256));
        Assert.True(ed.Supports(HttpSignatureAlgorithm.Ed25519));
        Assert.False(ed.Supports(HttpSignatureAlgorithm.EcdsaP256Sha256));
        Assert.False(ed.Supports(HttpSignatureAlgorithm.Unknown));

        using var signer = EdSigner();
        var signature = signer.Sign(HttpSignatureAlgorithm.Ed25519, "data"u8);
        Assert.True(ed.Verify(HttpSignatureAlgorithm.Ed25519, "data"u8, signature));
        Assert.False(ed.Verify(HttpSignatureAlgorithm.RsaPkcs1Sha256, "data"u8, signature));
        Assert.False(rsa.Verify(HttpSignatureAlgorithm.RsaPkcs1Sha256, "data"u8, signature)); // wrong length: false, no exception
        Assert.False(ed.Verify(HttpSignatureAlgorithm.Ed25519, "data"u8, signature.AsSpan(1)));

        using var hmac = VerificationKey.FromSharedSecret("h", new byte[32]);
        Assert.Equal(KeyType.HmacSha256, hmac.Type);
        Assert.True(hmac.Supports(HttpSignatureAlgorithm.HmacSha256));
        Assert.False(hmac.Verify(HttpSignatureAlgorithm.HmacSha256, "data"u8, new byte[32]));
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromSharedSecret("h", new byte[31]));
        Assert.Equal(0, ed.RsaKeySizeInBits);
    }
}
