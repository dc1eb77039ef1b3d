using System.Text;
using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures;
using Kindred.ActivityPub.Tests.Support;

namespace Kindred.ActivityPub.Tests.Signatures;

public sealed class RoundTripTests
{
    private const string Actor = "https://kindred.example/groups/carers";
    private static readonly Uri Inbox = new("https://remote.example/inbox");
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"type\":\"Follow\"}");

    // Generating RSA keys is slow; share one pair across the tests.
    private static readonly GeneratedKeyPair Rsa = KeyGeneration.GenerateRsa();
    private static readonly GeneratedKeyPair Ed = KeyGeneration.GenerateEd25519();

    private static SigningKey Signer(GeneratedKeyPair pair, string fragment) => SigningKey.FromPkcs8(Actor + fragment, pair.Pkcs8PrivateKey);

    private static VerificationKey RsaPublic() => VerificationKey.FromPem(Actor + "#main-key", new Uri(Actor), Rsa.PublicKeyPem);

    private static VerificationKey EdPublic() => VerificationKey.FromMultibase(Actor + "#ed25519-key", new Uri(Actor), Ed.PublicKeyMultibase);

    private static SignableRequest Post() => SignableRequest.Create("POST", Inbox, Body, "application/activity+json");

    private static HttpSignatureVerifier Verifier(DateTimeOffset? at = null) => new(new FixedTimeProvider(at ?? Now));

    private static SignableRequest SignCavage(GeneratedKeyPair pair, string fragment, SignableRequest? request = null)
    {
        request ??= Post();
        using var key = Signer(pair, fragment);
        new CavageSigner(new FixedTimeProvider(Now)).Sign(request, key);
        return request;
    }

    private static SignableRequest Sign9421(GeneratedKeyPair pair, string fragment, SignableRequest? request = null, Rfc9421SignOptions? options = null)
    {
        request ??= Post();
        using var key = Signer(pair, fragment);
        new Rfc9421Signer(new FixedTimeProvider(Now)).Sign(request, key, options);
        return request;
    }

    [Fact]
    public void Cavage_rsa_post_round_trips_with_the_fediverse_header_set()
    {
        var request = SignCavage(Rsa, "#main-key");
        Assert.Contains("algorithm=\"rsa-sha256\"", request.Headers.GetFirst("Signature"), StringComparison.Ordinal);
        Assert.Equal("Sat, 01 Mar 2025 12:00:00 GMT", request.Headers.GetFirst("Date"));
        Assert.StartsWith("SHA-256=", request.Headers.GetFirst("Digest"), StringComparison.Ordinal);

        using var key = RsaPublic();
        var result = Verifier().Verify(request, key);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(["(request-target)", "host", "date", "digest", "content-type"], result.CoveredComponents);
        Assert.Equal(Actor + "#main-key", result.KeyId);
    }

    [Fact]
    public void Cavage_ed25519_get_round_trips_as_hs2019()
    {
        var request = SignCavage(Ed, "#ed25519-key", SignableRequest.Create("GET", new Uri("https://remote.example/users/bob?x=1"), accept: ActivityStreams.MediaType));
        Assert.Contains("algorithm=\"hs2019\"", request.Headers.GetFirst("Signature"), StringComparison.Ordinal);
        Assert.False(request.Headers.Contains("Digest"));
        using var key = EdPublic();
        var result = Verifier().Verify(request, key);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(HttpSignatureAlgorithm.Ed25519, result.Algorithm);
        Assert.Contains("accept", result.CoveredComponents);
    }

    [Fact]
    public void Rfc9421_rsa_and_ed25519_round_trip()
    {
        using var rsa = RsaPublic();
        var r1 = Verifier().Verify(Sign9421(Rsa, "#main-key"), rsa);
        Assert.True(r1.IsValid, r1.Message);
        Assert.Equal(HttpSignatureAlgorithm.RsaPkcs1Sha256, r1.Algorithm);
        Assert.Contains("\"content-digest\"", r1.CoveredComponents);

        using var ed = EdPublic();
        var r2 = Verifier().Verify(Sign9421(Ed, "#ed25519-key", options: new() { Nonce = "n-1", Tag = "kindred" }), ed);
        Assert.True(r2.IsValid, r2.Message);
        Assert.Equal(HttpSignatureAlgorithm.Ed25519, r2.Algorithm);
    }

    [Fact]
    public void Rfc9421_rsa_pss_round_trips()
    {
        using var rsa = RsaPublic();
        var result = Verifier().Verify(Sign9421(Rsa, "#main-key", options: new() { Algorithm = HttpSignatureAlgorithm.RsaPssSha512 }), rsa);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(HttpSignatureAlgorithm.RsaPssSha512, result.Algorithm);
    }

    [Fact]
    public void Body_changed_after_signing_is_a_digest_mismatch()
    {
        foreach (var signed in new[] { SignCavage(Rsa, "#main-key"), Sign9421(Rsa, "#main-key") })
        {
            var tampered = new SignableRequest(signed.Method, signed.Target, signed.Headers, Encoding.UTF8.GetBytes("{\"type\":\"Delete\"}"));
            using var key = RsaPublic();
            Assert.Equal(SignatureFailure.DigestMismatch, Verifier().Verify(tampered, key).Failure);
        }
    }

    [Fact]
    public void Digest_replaced_to_match_a_new_body_breaks_the_signature()
    {
        var signed = SignCavage(Rsa, "#main-key");
        var newBody = Encoding.UTF8.GetBytes("{\"type\":\"Delete\"}");
        signed.Headers.Set("Digest", BodyDigest.ComputeDigestHeader(newBody));
        var tampered = new SignableRequest(signed.Method, signed.Target, signed.Headers, newBody);
        using var key = RsaPublic();
        Assert.Equal(SignatureFailure.InvalidSignature, Verifier().Verify(tampered, key).Failure);
    }

    [Theory]
    [InlineData(-61, SignatureFailure.TooOld)]
    [InlineData(-59, null)]
    [InlineData(4, null)]
    [InlineData(6, SignatureFailure.InFuture)]
    public void Replay_window_is_an_hour_back_and_five_minutes_ahead(int signedMinutesFromNow, SignatureFailure? expected)
    {
        // Signed at Now; verified at Now - offset.
        var verifyAt = Now.AddMinutes(-signedMinutesFromNow);
        using var rsa = RsaPublic();
        Assert.Equal(expected, Verifier(verifyAt).Verify(SignCavage(Rsa, "#main-key"), rsa).Failure);
        Assert.Equal(expected, Verifier(verifyAt).Verify(Sign9421(Rsa, "#main-key"), rsa).Failure);
    }

    [Fact]
    public void Expires_is_honoured()
    {
        var request = Sign9421(Ed, "#ed25519-key", options: new() { ExpiresAfter = TimeSpan.FromSeconds(30) });
        using var key = EdPublic();
        Assert.True(Verifier(Now.AddSeconds(10)).Verify(request, key).IsValid);
        Assert.Equal(SignatureFailure.Expired, Verifier(Now.AddSeconds(31)).Verify(request, key).Failure);
    }

    [Fact]
    public void Wrong_key_fails()
    {
        var request = SignCavage(Rsa, "#main-key");
        var other = KeyGeneration.GenerateRsa();
        using var wrong = VerificationKey.FromPem(Actor + "#main-key", null, other.PublicKeyPem);
        Assert.Equal(SignatureFailure.InvalidSignature, Verifier().Verify(request, wrong).Failure);

        using var edKey = VerificationKey.FromMultibase(Actor + "#main-key", null, Ed.PublicKeyMultibase);
        Assert.Equal(SignatureFailure.AlgorithmKeyMismatch, Verifier().Verify(request, edKey).Failure);

        using var otherId = VerificationKey.FromPem("https://elsewhere.example/u#main-key", null, Rsa.PublicKeyPem);
        Assert.Equal(SignatureFailure.KeyIdMismatch, Verifier().Verify(request, otherId).Failure);
        Assert.Equal(SignatureFailure.KeyIdMismatch, Verifier().Verify(Sign9421(Rsa, "#main-key"), otherId).Failure);
    }

    [Theory]
    [InlineData("(request-target) host date")]          // no digest on a POST
    [InlineData("host date digest")]                    // no (request-target)
    [InlineData("(request-target) date digest")]        // no host
    [InlineData("(request-target) host digest")]        // no date
    public void Cavage_post_missing_required_headers_is_rejected(string headers)
    {
        var request = Post();
        request.Headers.Set("Date", Now.ToString("r", System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Set("Digest", BodyDigest.ComputeDigestHeader(Body));
        var names = headers.Split(' ');
        using var signing = Signer(Rsa, "#main-key");
        var signature = signing.Sign(HttpSignatureAlgorithm.RsaPkcs1Sha256, Encoding.UTF8.GetBytes(CavageSigningString.Build(request, names, null, null)!));
        request.Headers.Set("Signature", new CavageSignatureHeader { KeyId = signing.KeyId, Algorithm = "rsa-sha256", Headers = names, Signature = signature }.ToHeaderValue());
        using var key = RsaPublic();
        Assert.Equal(SignatureFailure.MissingRequiredComponent, Verifier().Verify(request, key).Failure);
    }

    [Theory]
    [InlineData("@target-uri", "content-digest")]
    [InlineData("@method", "content-digest")]
    [InlineData("@method", "@target-uri")]
    [InlineData("@method", "@path", "content-digest")]
    public void Rfc9421_post_missing_required_components_is_rejected(params string[] components)
    {
        var request = Sign9421(Rsa, "#main-key", options: new() { Components = components });
        using var key = RsaPublic();
        Assert.Equal(SignatureFailure.MissingRequiredComponent, Verifier().Verify(request, key).Failure);
    }

    [Fact]
    public void Post_without_any_digest_is_rejected()
    {
        var request = SignCavage(Rsa, "#main-key");
        request.Headers.Remove("Digest");
        using var key = RsaPublic();
        Assert.Equal(SignatureFailure.DigestMissing, Verifier().Verify(request, key).Failure);
    }

    [Fact]
    public void Unsigned_request_reports_missing_signature()
    {
        using var key = RsaPublic();
        Assert.Equal(SignatureFailure.MissingSignature, Verifier().Verify(Post(), key).Failure);
        Assert.Null(HttpSignatureVerifier.ReadKeyId(Post()));
    }

    [Fact]
    public void Signers_return_exactly_the_header_lines_they_added()
    {
        var post = Post();
        using var rsa = Signer(Rsa, "#main-key");
        var added = new CavageSigner(new FixedTimeProvider(Now)).Sign(post, rsa);
        Assert.Equal(["Date", "Digest", "Signature"], added.Select(h => h.Key));
        Assert.All(added, h => Assert.Equal(post.Headers.GetFirst(h.Key), h.Value));

        // A Date already set is kept and not returned; a GET has no digest.
        var get = SignableRequest.Create("GET", new Uri("https://remote.example/users/bob"));
        get.Headers.Set("Date", "Sat, 01 Mar 2025 11:59:00 GMT");
        Assert.Equal(["Signature"], new CavageSigner(new FixedTimeProvider(Now)).Sign(get, rsa).Select(h => h.Key));
        Assert.Equal("Sat, 01 Mar 2025 11:59:00 GMT", get.Headers.GetFirst("Date"));

        var added9421 = new Rfc9421Signer(new FixedTimeProvider(Now)).Sign(Post(), rsa);
        Assert.Equal(["Content-Digest", "Signature-Input", "Signature"], added9421.Select(h => h.Key));

        var hostless = new SignableRequest("POST", "/inbox", new HeaderCollection(), Body);
        Assert.Throws<InvalidOperationException>(() => new CavageSigner(new FixedTimeProvider(Now)).Sign(hostless, rsa));
    }

    [Fact]
    public void Key_id_is_readable_before_verification()
    {
        var reference = HttpSignatureVerifier.ReadKeyId(SignCavage(Rsa, "#main-key"));
        Assert.Equal(new SignatureKeyReference(SignatureScheme.Cavage, Actor + "#main-key", null, "rsa-sha256"), reference);
    }
}
