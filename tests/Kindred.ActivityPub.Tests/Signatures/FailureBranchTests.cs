using System.Reflection;
using Kindred.ActivityPub.Signatures;
using static Kindred.ActivityPub.Tests.Support.SigningRig;

namespace Kindred.ActivityPub.Tests.Signatures;

/// <summary>
/// The branches only a hostile request reaches: components that are covered but absent, signatures
/// without a value, malformed component lists. Each must be a failure result with a reason, never
/// an exception and never valid.
/// </summary>
public sealed class FailureBranchTests
{
    private const string Covered = "\"@method\" \"@target-uri\" \"content-type\" \"content-digest\"";

    private static SignatureVerificationResult VerifyEd(SignableRequest request) => Verifier().Verify(request, EdKey());

    [Fact]
    public void A_valid_result_can_only_come_from_the_cryptographic_check()
    {
        // No "none" failure to forget to replace, no public way to make a result, no setters.
        Assert.DoesNotContain("None", Enum.GetNames<SignatureFailure>());
        Assert.DoesNotContain(0, Enum.GetValues<SignatureFailure>().Select(f => (int)f));
        Assert.Empty(typeof(SignatureVerificationResult).GetConstructors());
        Assert.All(typeof(SignatureVerificationResult).GetProperties(), p => Assert.False(p.SetMethod?.IsPublic ?? false, p.Name));
        Assert.DoesNotContain(typeof(SignatureVerificationResult).GetMethods(BindingFlags.Public | BindingFlags.Static), m => m.ReturnType == typeof(SignatureVerificationResult));
    }

    [Fact]
    public void Valid_and_failed_results_carry_what_they_should()
    {
        using var signer = EdSigner();
        var request = Sign9421(Post(), signer, $"({Covered}){Params(EdKeyId)}");
        var valid = VerifyEd(request);
        Assert.True(valid.IsValid, valid.Message);
        Assert.Null(valid.Failure);
        Assert.Null(valid.Message);
        Assert.Equal(EdKeyId, valid.KeyId);
        Assert.Equal(SignatureScheme.Rfc9421, valid.Scheme);
        Assert.Equal(Now, valid.SignedAt);
        Assert.Equal(["\"@method\"", "\"@target-uri\"", "\"content-type\"", "\"content-digest\""], valid.CoveredComponents);

        request.Headers.Set("Content-Type", "text/html");
        var failed = VerifyEd(request);
        Assert.False(failed.IsValid);
        Assert.Equal(SignatureFailure.InvalidSignature, failed.Failure);
        Assert.False(string.IsNullOrEmpty(failed.Message));
        Assert.Equal(HttpSignatureAlgorithm.Unknown, failed.Algorithm);
        Assert.Empty(failed.CoveredComponents);
    }

    [Theory]
    [InlineData("x-absent")]                // a header field
    [InlineData("content-language")]
    public void A_covered_header_that_is_absent_fails_even_when_signed_as_if_empty(string header)
    {
        using var signer = EdSigner();
        var input = $"({Covered} \"{header}\"){Params(EdKeyId)}";

        // The signer pretends the header is there but empty: the verifier must not build the same base.
        var present = Post();
        present.Headers.Set(header, "");
        Assert.True(Rfc9421SignatureBase.TryBuild(present, Parse(input), out var emptyBase, out _, out _));
        var request = Sign9421(Post(), signer, input, forgedBase: emptyBase);
        var result = VerifyEd(request);
        Assert.Equal(SignatureFailure.MissingCoveredComponent, result.Failure);
        Assert.Contains(header, result.Message, StringComparison.Ordinal);

        // And the same header present but empty does verify (RFC 9421 §2.1: an empty value is a value).
        present.Headers.Set("Signature-Input", request.Headers.GetFirst("Signature-Input")!);
        present.Headers.Set("Signature", request.Headers.GetFirst("Signature")!);
        Assert.True(VerifyEd(present).IsValid);
    }

    [Fact]
    public void Absent_derived_components_fail()
    {
        using var signer = EdSigner();

        // No Host: there is no @authority and no @target-uri.
        var hostless = Post();
        hostless.Headers.Remove("Host");
        Assert.Equal(SignatureFailure.MissingCoveredComponent, VerifyEd(Sign9421(hostless, signer, $"({Covered}){Params(EdKeyId)}")).Failure);

        // A query parameter that is not in the query, or is there twice (§2.2.8 would need two lines).
        var absentParam = Sign9421(Post(url: new Uri("https://kindred.example/inbox?a=1")), signer, $"({Covered} \"@query-param\";name=\"b\"){Params(EdKeyId)}");
        Assert.Equal(SignatureFailure.MissingCoveredComponent, VerifyEd(absentParam).Failure);
        var twice = Sign9421(Post(url: new Uri("https://kindred.example/inbox?a=1&a=2")), signer, $"({Covered} \"@query-param\";name=\"a\"){Params(EdKeyId)}");
        Assert.Equal(SignatureFailure.MissingCoveredComponent, VerifyEd(twice).Failure);
        var once = Sign9421(Post(url: new Uri("https://kindred.example/inbox?a=1&b=2")), signer, $"({Covered} \"@query-param\";name=\"a\"){Params(EdKeyId)}");
        Assert.True(VerifyEd(once).IsValid);
    }

    [Fact]
    public void A_cavage_header_that_is_covered_but_absent_fails()
    {
        using var signer = RsaSigner();
        var request = Post();
        request.Headers.Remove("Content-Type");
        SignCavage(request, signer, "(request-target) host date digest content-type");
        Assert.Equal(SignatureFailure.MissingCoveredComponent, Verifier().Verify(request, RsaKey()).Failure);

        // (expires) covered but no expires parameter to sign.
        var noExpires = SignCavage(Post(), EdSigner(), "(request-target) host date digest (expires)", "hs2019");
        Assert.Equal(SignatureFailure.MissingCoveredComponent, VerifyEd(noExpires).Failure);
    }

    [Fact]
    public void A_signature_input_label_without_a_signature_value_is_a_failure_not_an_exception()
    {
        using var signer = EdSigner();
        var input = $"sig1=({Covered}){Params(EdKeyId)}";

        foreach (var signature in new string?[] { null, "other=:AQID:", "sig1", "sig1=\"AQID\"", "sig1=(:AQID:)", "sig1=?1" })
        {
            var request = Post();
            request.Headers.Set("Signature-Input", input);
            if (signature is not null)
            {
                request.Headers.Set("Signature", signature);
            }

            var result = VerifyEd(request);
            Assert.Equal(SignatureFailure.MissingSignature, result.Failure);
            Assert.Null(HttpSignatureVerifier.ReadKeyId(request)); // nothing signed: no key to fetch
        }

        // A second label without a value does not hide the first, which has one.
        var both = Sign9421(Post(), signer, $"({Covered}){Params(EdKeyId)}");
        both.Headers.Set("Signature-Input", $"sig0=({Covered}){Params("https://elsewhere.example/k")}, " + both.Headers.GetFirst("Signature-Input"));
        Assert.Equal(EdKeyId, HttpSignatureVerifier.ReadKeyId(both)?.KeyId);
        Assert.True(VerifyEd(both).IsValid);
    }

    [Fact]
    public void A_signature_that_names_no_key_is_checked_with_the_key_the_caller_chose()
    {
        using var signer = EdSigner();
        var keyless = Sign9421(Post(), signer, $"({Covered});created={NowUnix}");
        Assert.Null(HttpSignatureVerifier.ReadKeyId(keyless)); // the server never gets this far with one
        Assert.True(VerifyEd(keyless).IsValid);

        // With two signatures, the one made with this key is used, wherever it stands.
        var two = Sign9421(Post(), signer, $"({Covered}){Params(EdKeyId)}", label: "sig2");
        two.Headers.Set("Signature-Input", $"sig1=({Covered});created={NowUnix}, " + two.Headers.GetFirst("Signature-Input"));
        two.Headers.Set("Signature", "sig1=:AQID:, " + two.Headers.GetFirst("Signature"));
        Assert.True(VerifyEd(two).IsValid);
        var reference = HttpSignatureVerifier.ReadKeyId(two);
        Assert.Equal(new SignatureKeyReference(SignatureScheme.Rfc9421, EdKeyId, "sig2", null), reference);

        // A single signature by another key is not this key's.
        var other = Sign9421(Post(), signer, $"({Covered}){Params("https://other.example/k")}");
        Assert.Equal(SignatureFailure.KeyIdMismatch, VerifyEd(other).Failure);
    }

    [Fact]
    public void The_declared_algorithm_is_read_as_a_hint()
    {
        using var signer = EdSigner();
        var request = Sign9421(Post(), signer, $"({Covered}){Params(EdKeyId)};alg=\"ed25519\"");
        Assert.Equal("ed25519", HttpSignatureVerifier.ReadKeyId(request)?.Algorithm);
        Assert.True(VerifyEd(request).IsValid);
    }

    [Theory]
    [InlineData("sig1=:AQID:", "not a dictionary of inner lists")]
    [InlineData("sig1=(\"@method\"", "unterminated")]
    [InlineData("Sig1=(\"@method\")", "upper-case key")]
    [InlineData("sig1=(\"@method\");created=1.5.5", "bad number")]
    public void Unparseable_signature_input_is_malformed(string input, string why)
    {
        var request = Post();
        request.Headers.Set("Signature-Input", input);
        request.Headers.Set("Signature", "sig1=:AQID:");
        Assert.True(VerifyEd(request).Failure == SignatureFailure.Malformed, why);
        Assert.Null(HttpSignatureVerifier.ReadKeyId(request));
    }

    [Theory]
    [InlineData("method", SignatureFailure.Malformed)]                                  // a token, not a string
    [InlineData("1", SignatureFailure.Malformed)]                                       // an integer
    [InlineData("\"\"", SignatureFailure.Malformed)]                                    // empty name
    [InlineData("\"Content-Type\"", SignatureFailure.Malformed)]                        // not lower-case (§2.1)
    [InlineData("\"@method\"", SignatureFailure.Malformed)]                             // listed twice (§2.5)
    [InlineData("\"@signature-params\"", SignatureFailure.Malformed)]                   // never a component (§2.3)
    [InlineData("\"@query-param\"", SignatureFailure.Malformed)]                        // needs a name (§2.2.8)
    [InlineData("\"@query-param\";name=1", SignatureFailure.Malformed)]
    [InlineData("\"@status\"", SignatureFailure.UnsupportedComponent)]                  // response only (§2.2.9)
    [InlineData("\"@nonsense\"", SignatureFailure.UnsupportedComponent)]
    [InlineData("\"content-type\";sf", SignatureFailure.UnsupportedComponent)]          // §2.1.1
    [InlineData("\"content-type\";bs", SignatureFailure.UnsupportedComponent)]          // §2.1.3
    [InlineData("\"content-type\";req", SignatureFailure.UnsupportedComponent)]         // §2.4
    [InlineData("\"content-type\";name=\"x\"", SignatureFailure.UnsupportedComponent)]  // name is for @query-param only
    [InlineData("\"@query-param\";name=\"a\";bs", SignatureFailure.UnsupportedComponent)]
    public void Malformed_component_lists_fail(string extra, SignatureFailure expected)
    {
        using var signer = EdSigner();
        var input = $"(\"@method\" \"@target-uri\" \"content-digest\" {extra}){Params(EdKeyId)}";
        var request = Sign9421(Post(url: new Uri("https://kindred.example/inbox?a=1")), signer, input, forgedBase: "\"@method\": POST");
        var result = VerifyEd(request);
        Assert.Equal(expected, result.Failure);
        Assert.False(Rfc9421SignatureBase.TryBuild(request, Parse(input), out var signatureBase, out var failure, out var message));
        Assert.Equal(expected, failure);
        Assert.False(string.IsNullOrEmpty(message));
        Assert.Equal("", signatureBase);
    }

    [Fact]
    public void The_same_name_with_different_parameters_is_two_components()
    {
        using var signer = EdSigner();
        var request = Sign9421(Post(url: new Uri("https://kindred.example/inbox?a=1&b=2")), signer,
            $"({Covered} \"@query-param\";name=\"a\" \"@query-param\";name=\"b\"){Params(EdKeyId)}");
        Assert.True(VerifyEd(request).IsValid);
    }

    [Theory]
    [InlineData("(request-target) host date digest date", "hs2019")]   // listed twice
    [InlineData("(request-target) host (created) digest", "rsa-sha256")] // (created) is hs2019-only (§2.3)
    [InlineData("(request-target) host date digest (expires)", "rsa-sha256")]
    public void Malformed_cavage_header_lists_fail(string headers, string algorithm)
    {
        using var signer = RsaSigner();
        var request = SignCavage(Post(), signer, headers, algorithm, created: NowUnix, expires: NowUnix + 60);
        Assert.Equal(SignatureFailure.Malformed, Verifier().Verify(request, RsaKey()).Failure);
    }

    [Theory]
    [InlineData("keyId=\"k\",headers=\"\",signature=\"AQID\"")]
    [InlineData("keyId=\"k\",created=soon,signature=\"AQID\"")]
    [InlineData("keyId=\"k\",expires=-5,signature=\"AQID\"")]
    [InlineData("keyId=\"k\",signature=\"AQID\",signature=\"AQID\"")]
    public void Malformed_cavage_parameters_fail_and_name_no_key(string header)
    {
        var request = Post();
        request.Headers.Set("Signature", header);
        Assert.Equal(SignatureFailure.Malformed, VerifyEd(request).Failure);
        Assert.Null(HttpSignatureVerifier.ReadKeyId(request));
    }

    [Fact]
    public void Two_signature_headers_are_malformed()
    {
        using var signer = EdSigner();
        var request = SignCavage(Post(), signer, "(request-target) host date digest", "hs2019");
        request.Headers.Add("Signature", request.Headers.GetFirst("Signature")!);
        Assert.Equal(SignatureFailure.Malformed, VerifyEd(request).Failure);
        Assert.Null(HttpSignatureVerifier.ReadKeyId(request));
    }

    [Fact]
    public void Authorization_signature_scheme_is_read_and_other_schemes_are_not()
    {
        using var signer = EdSigner();
        var request = SignCavage(Post(), signer, "(request-target) host date digest", "hs2019");
        var value = request.Headers.GetFirst("Signature")!;
        request.Headers.Remove("Signature");
        request.Headers.Set("Authorization", "signature " + value);
        Assert.Equal(EdKeyId, HttpSignatureVerifier.ReadKeyId(request)?.KeyId);
        Assert.True(VerifyEd(request).IsValid);

        request.Headers.Set("Authorization", "Bearer " + value);
        Assert.Null(HttpSignatureVerifier.ReadKeyId(request));
        Assert.Equal(SignatureFailure.MissingSignature, VerifyEd(request).Failure);
        Assert.Equal(SignatureScheme.Unknown, VerifyEd(request).Scheme);
    }

    private static Kindred.ActivityPub.Signatures.StructuredFields.SfInnerList Parse(string input) =>
        Kindred.ActivityPub.Signatures.StructuredFields.StructuredFieldParser.ParseDictionary("sig1=" + input).Single().InnerList!;
}
