using System.Text.Json;
using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures;
using Kindred.ActivityPub.Tests.Support;

namespace Kindred.ActivityPub.Tests.Signatures;

/// <summary>draft-cavage-http-signatures-12 Appendix C vectors (see Fixtures/http-signatures/README.md).</summary>
public sealed class CavageVectorTests
{
    private static readonly JsonElement Vectors = Fixtures.Json("http-signatures/cavage-12.json");

    // The vectors' Date; the C.3 created/expires are months later, see the README caveats.
    private static readonly DateTimeOffset VectorTime = new(2014, 1, 5, 21, 31, 40, TimeSpan.Zero);

    // The vector key is 1024-bit and the vectors predate the coverage rules fediverse servers need;
    // relax exactly those two things and nothing else.
    private static readonly HttpSignatureVerifierOptions VectorOptions = new() { MinimumRsaKeySizeInBits = 1024, EnforceCoveragePolicy = false };

    private static SignableRequest Request()
    {
        var r = Vectors.GetProperty("request");
        return RawHttp.Parse(r.GetProperty("raw").GetString()!);
    }

    private static VerificationKey Key() => VerificationKey.FromPem("Test", null, Vectors.GetProperty("publicKeyPem").GetString()!);

    private static JsonElement Test(string name) => Vectors.GetProperty("tests").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name);

    private static SignatureVerificationResult VerifyWith(string headerName, string headerValue, HttpSignatureVerifierOptions? options = null, Action<SignableRequest>? tamper = null)
    {
        var request = Request();
        request.Headers.Set(headerName, headerValue);
        tamper?.Invoke(request);
        using var key = Key();
        return new HttpSignatureVerifier(new FixedTimeProvider(VectorTime), options ?? VectorOptions).Verify(request, key);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("basic")]
    public void Signature_header_vectors_verify(string name)
    {
        var result = VerifyWith("Signature", Test(name).GetProperty("signatureHeaderValueUnfolded").GetString()!);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal("Test", result.KeyId);
        Assert.Equal(HttpSignatureAlgorithm.RsaPkcs1Sha256, result.Algorithm);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("basic")]
    public void Authorization_header_vectors_verify(string name)
    {
        var result = VerifyWith("Authorization", Test(name).GetProperty("authorizationHeaderValueUnfolded").GetString()!);
        Assert.True(result.IsValid, result.Message);
    }

    [Fact]
    public void Signing_strings_are_rebuilt_exactly()
    {
        foreach (var test in Vectors.GetProperty("tests").EnumerateArray())
        {
            var headers = (test.TryGetProperty("effectiveHeadersForPrintedSignature", out var eff) ? eff.GetString()
                : test.GetProperty("headersParam").GetString()) ?? "date";
            var built = CavageSigningString.Build(Request(), headers.Split(' '), null, null);
            Assert.Equal(test.GetProperty("signingString").GetString(), built);
        }
    }

    [Fact]
    public void Signatures_are_reproduced_byte_for_byte_with_the_private_key()
    {
        using var key = SigningKey.FromPem("Test", Vectors.GetProperty("privateKeyPem").GetString()!);
        foreach (var test in Vectors.GetProperty("tests").EnumerateArray())
        {
            var signature = key.Sign(HttpSignatureAlgorithm.RsaPkcs1Sha256, System.Text.Encoding.UTF8.GetBytes(test.GetProperty("signingString").GetString()!));
            Assert.Equal(test.GetProperty("signatureBase64").GetString(), Convert.ToBase64String(signature));
        }
    }

    [Fact]
    public void All_headers_vector_verifies_over_its_effective_headers()
    {
        // C.3 as printed lists (created) (expires) that its signature does not cover (README caveat 1).
        var test = Test("all");
        var header = $"keyId=\"Test\",algorithm=\"rsa-sha256\",headers=\"{test.GetProperty("effectiveHeadersForPrintedSignature").GetString()}\",signature=\"{test.GetProperty("signatureBase64").GetString()}\"";
        var result = VerifyWith("Signature", header);
        Assert.True(result.IsValid, result.Message);
        Assert.Contains("digest", result.CoveredComponents);
    }

    [Fact]
    public void All_headers_vector_as_printed_is_rejected_by_a_strict_verifier()
    {
        var result = VerifyWith("Signature", Test("all").GetProperty("signatureHeaderValueUnfolded").GetString()!);
        Assert.False(result.IsValid);
        Assert.Equal(SignatureFailure.Malformed, result.Failure); // (created) with algorithm rsa-sha256, §2.3
    }

    [Fact]
    public void Tampered_target_fails()
    {
        var result = VerifyWith("Signature", Test("basic").GetProperty("signatureHeaderValueUnfolded").GetString()!,
            tamper: r => r.Headers.Set("Host", "evil.example"));
        Assert.Equal(SignatureFailure.InvalidSignature, result.Failure);
    }

    [Fact]
    public void Tampered_signature_bytes_fail()
    {
        var value = Test("basic").GetProperty("signatureHeaderValueUnfolded").GetString()!.Replace("qdx+", "qdy+", StringComparison.Ordinal);
        Assert.Equal(SignatureFailure.InvalidSignature, VerifyWith("Signature", value).Failure);
    }

    [Fact]
    public void Tampered_date_fails()
    {
        var result = VerifyWith("Signature", Test("default").GetProperty("signatureHeaderValueUnfolded").GetString()!,
            tamper: r => r.Headers.Set("Date", "Sun, 05 Jan 2014 21:31:41 GMT"));
        Assert.Equal(SignatureFailure.InvalidSignature, result.Failure);
    }

    [Fact]
    public void Tampered_body_fails_the_digest_check()
    {
        var test = Test("all");
        var header = $"keyId=\"Test\",algorithm=\"rsa-sha256\",headers=\"{test.GetProperty("effectiveHeadersForPrintedSignature").GetString()}\",signature=\"{test.GetProperty("signatureBase64").GetString()}\"";
        var request = Request();
        request.Headers.Set("Signature", header);
        var tampered = new SignableRequest(request.Method, request.Target, request.Headers, "{\"hello\": \"WORLD\"}"u8.ToArray());
        using var key = Key();
        var result = new HttpSignatureVerifier(new FixedTimeProvider(VectorTime), VectorOptions).Verify(tampered, key);
        Assert.Equal(SignatureFailure.DigestMismatch, result.Failure);
    }

    [Fact]
    public void Default_policy_rejects_the_vectors_for_their_1024_bit_key_and_weak_coverage()
    {
        var header = Test("basic").GetProperty("signatureHeaderValueUnfolded").GetString()!;
        Assert.Equal(SignatureFailure.KeyTooWeak, VerifyWith("Signature", header, HttpSignatureVerifierOptions.Default).Failure);
        var coverage = VerifyWith("Signature", header, new HttpSignatureVerifierOptions { MinimumRsaKeySizeInBits = 1024 });
        Assert.Equal(SignatureFailure.MissingRequiredComponent, coverage.Failure); // POST without digest signed
        Assert.Contains("digest", coverage.Message, StringComparison.Ordinal);
    }
}
