using System.Text;
using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures;
using Kindred.ActivityPub.Signatures.StructuredFields;
using Kindred.ActivityPub.Tests.Support;

namespace Kindred.ActivityPub.Tests.Signatures;

public sealed class ParsingAndKeyTests
{
    [Fact]
    public void Cavage_header_parsing_tolerates_whitespace_folding_and_commas_in_quotes()
    {
        var header = CavageSignatureHeader.Parse(" keyId=\"https://a.example/u/x#main-key,odd\" ,\r\n algorithm=\"hs2019\",created=1402170695,\n  headers=\"(request-target)  host\n date\",signature=\"AQID\"");
        Assert.Equal("https://a.example/u/x#main-key,odd", header.KeyId);
        Assert.Equal("hs2019", header.Algorithm);
        Assert.Equal(["(request-target)", "host", "date"], header.Headers);
        Assert.Equal(1402170695, header.Created);
        Assert.Equal([1, 2, 3], header.Signature);
    }

    [Theory]
    [InlineData("keyId=\"a\",keyId=\"b\",signature=\"AQID\"")]          // duplicate parameter
    [InlineData("algorithm=\"rsa-sha256\",signature=\"AQID\"")]         // no keyId
    [InlineData("keyId=\"a\",signature=\"AQID")]                         // unterminated quote
    [InlineData("keyId=\"a\" signature=\"AQID\"")]                       // missing comma
    [InlineData("keyId=\"a\",signature=\"!!!\"")]                        // not base64
    [InlineData("keyId=\"a\",headers=\"\",signature=\"AQID\"")]          // empty headers list
    public void Malformed_cavage_headers_are_rejected(string value) =>
        Assert.Throws<FormatException>(() => CavageSignatureHeader.Parse(value));

    [Fact]
    public void Malformed_signature_header_is_a_result_not_an_exception()
    {
        var request = SignableRequest.Create("GET", new Uri("https://a.example/x"));
        request.Headers.Set("Signature", "keyId=\"a\",keyId=\"b\",signature=\"AQID\"");
        using var key = VerificationKey.FromMultibase("a", null, KeyGeneration.GenerateEd25519().PublicKeyMultibase);
        var result = new HttpSignatureVerifier(TimeProvider.System).Verify(request, key);
        Assert.Equal(SignatureFailure.Malformed, result.Failure);

        request.Headers.Remove("Signature");
        request.Headers.Set("Signature-Input", "sig1=(\"@method\";created=1");
        request.Headers.Set("Signature", "sig1=:AQID:");
        Assert.Equal(SignatureFailure.Malformed, new HttpSignatureVerifier(TimeProvider.System).Verify(request, key).Failure);
    }

    [Fact]
    public void Structured_field_dictionary_parses_inner_lists_and_parameters()
    {
        var members = StructuredFieldParser.ParseDictionary("sig1=(\"@method\" \"@query-param\";name=\"Pet\");created=1618884473;keyid=\"k\";alg=\"ed25519\";flag, sig2=:AQID:");
        Assert.Equal(2, members.Count);
        var list = members[0].InnerList!;
        Assert.Equal("@method", list.Items[0].Value);
        Assert.Equal("Pet", list.Items[1].Parameters["name"]);
        Assert.Equal(1618884473L, list.Parameters["created"]);
        Assert.Equal(true, list.Parameters["flag"]);
        Assert.Equal(new byte[] { 1, 2, 3 }, members[1].Item!.Value);
        Assert.Equal("(\"@method\" \"@query-param\";name=\"Pet\");created=1618884473;keyid=\"k\";alg=\"ed25519\";flag", StructuredFieldSerializer.SerializeInnerList(list));
    }

    [Theory]
    [InlineData("sig1=(\"a\"\"b\")")]
    [InlineData("sig1=(\"a\",")]
    [InlineData("Sig1=(\"a\")")]
    [InlineData("sig1=(\"a\"),")]
    [InlineData("sig1=\"unterminated")]
    [InlineData("sig1=1234567890123456")]
    public void Invalid_structured_fields_throw(string value) =>
        Assert.Throws<FormatException>(() => StructuredFieldParser.ParseDictionary(value));

    [Fact]
    public void Content_digest_checks_sha256_and_sha512_and_refuses_weak_algorithms()
    {
        var body = "{\"hello\": \"world\"}"u8.ToArray();
        Assert.Equal(DigestCheck.Match, BodyDigest.CheckContentDigest(BodyDigest.ComputeContentDigest(body), body));
        Assert.Equal(DigestCheck.Match, BodyDigest.CheckContentDigest(BodyDigest.ComputeContentDigest(body, sha512: true), body));
        Assert.Equal(DigestCheck.Mismatch, BodyDigest.CheckContentDigest(BodyDigest.ComputeContentDigest(body), "x"u8));
        Assert.Equal(DigestCheck.Unsupported, BodyDigest.CheckContentDigest("md5=:AQID:", body));
        Assert.Equal(DigestCheck.Match, BodyDigest.CheckDigestHeader("sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", body));
        Assert.Equal(DigestCheck.Unsupported, BodyDigest.CheckDigestHeader("MD5=AQID", body));
        Assert.Equal(DigestCheck.Mismatch, BodyDigest.CheckDigestHeader("SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=, SHA-512=AQID", body));
    }

    [Fact]
    public void Base58btc_round_trips_and_keeps_leading_zeros()
    {
        byte[] data = [0, 0, 1, 2, 255, 128];
        var text = Base58Btc.Encode(data);
        Assert.StartsWith("11", text, StringComparison.Ordinal);
        Assert.True(Base58Btc.TryDecode(text, out var back));
        Assert.Equal(data, back);
        Assert.False(Base58Btc.TryDecode("0OIl", out _));
        Assert.Equal("StV1DL6CwTryKyV", Base58Btc.Encode(Encoding.ASCII.GetBytes("hello world")));
    }

    [Fact]
    public void Multikeys_published_by_mitra_parse()
    {
        var actor = Fixtures.Json("activitypub/fedify-fixtures/wizard.casa/users/hongminhee.json");
        foreach (var method in actor.GetProperty("assertionMethod").EnumerateArray())
        {
            using var key = VerificationKey.FromMultibase(method.GetProperty("id").GetString()!, null, method.GetProperty("publicKeyMultibase").GetString()!);
            Assert.True(key.Type is KeyType.Rsa or KeyType.Ed25519);
        }

        // The RSA Multikey and the PEM publicKey are the same key.
        using var pem = VerificationKey.FromPem("k", null, actor.GetProperty("publicKey").GetProperty("publicKeyPem").GetString()!);
        Assert.Equal(2048, pem.RsaKeySizeInBits);
    }

    [Fact]
    public void Generated_keys_export_as_pem_and_multikey_and_reload()
    {
        var ed = KeyGeneration.GenerateEd25519();
        Assert.StartsWith("z6Mk", ed.PublicKeyMultibase, StringComparison.Ordinal); // ed25519-pub multicodec
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", ed.PublicKeyPem, StringComparison.Ordinal);
        using var signing = SigningKey.FromPkcs8("k", ed.Pkcs8PrivateKey);
        Assert.Equal(ed.PublicKeyMultibase, signing.ExportPublicKeyMultibase());
        Assert.Equal(ed.PublicKeyPem, signing.ExportPublicKeyPem());
        using var fromPem = VerificationKey.FromPem("k", null, ed.PublicKeyPem);
        var sig = signing.Sign(HttpSignatureAlgorithm.Ed25519, "data"u8);
        Assert.True(fromPem.Verify(HttpSignatureAlgorithm.Ed25519, "data"u8, sig));
        Assert.False(fromPem.Verify(HttpSignatureAlgorithm.Ed25519, "dat4"u8, sig));

        var rsa = KeyGeneration.GenerateRsa();
        using var rsaSigning = SigningKey.FromPkcs8("k", rsa.Pkcs8PrivateKey);
        using var rsaMultikey = VerificationKey.FromMultibase("k", null, rsa.PublicKeyMultibase);
        Assert.True(rsaMultikey.Verify(HttpSignatureAlgorithm.RsaPkcs1Sha256, "data"u8, rsaSigning.Sign(HttpSignatureAlgorithm.RsaPkcs1Sha256, "data"u8)));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyGeneration.GenerateRsa(1024));
    }

    [Fact]
    public void Pkcs1_rsa_public_keys_are_tolerated_and_garbage_is_rejected()
    {
        var keys = Fixtures.Json("http-signatures/rfc9421.json").GetProperty("keys");
        using var pkcs1 = VerificationKey.FromPem("test-key-rsa", null, keys.GetProperty("test-key-rsa").GetProperty("publicKeyPem").GetString()!);
        Assert.Equal(KeyType.Rsa, pkcs1.Type);
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromPem("k", null, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"));
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromPem("k", null, "not a key"));
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromMultibase("k", null, "z6MkInvalid0"));
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromMultibase("k", null, "uAAAA"));
    }

    [Theory]
    [InlineData("https://a.example/users/x", "https://a.example/users/x#main-key", true)]
    [InlineData("https://A.example/users/x", "https://a.example:443/keys/1", true)]
    [InlineData("https://a.example/users/x", "https://b.example/users/x", false)]
    [InlineData("https://a.example/users/x", "http://a.example/users/x", false)]
    [InlineData("https://a.example/users/x", "https://a.example:8443/users/x", false)]
    [InlineData("https://a.example/users/x", "https://sub.a.example/users/x", false)]
    public void Same_origin_follows_fep_fe34(string a, string b, bool expected) =>
        Assert.Equal(expected, Origins.SameOrigin(new Uri(a), new Uri(b)));
}
