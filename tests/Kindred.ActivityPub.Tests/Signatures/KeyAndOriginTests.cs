using System.Security.Cryptography;
using Kindred.ActivityPub.Keys;
using NSec.Cryptography;

namespace Kindred.ActivityPub.Tests.Signatures;

/// <summary>Which public keys are accepted, as what, and which ids share an origin (FEP-fe34).</summary>
public sealed class KeyAndOriginTests
{
    private static string Pem(byte[] spki) => PemEncoding.WriteString("PUBLIC KEY", spki);

    private static string Multibase(params byte[] bytes) => "z" + Base58Btc.Encode(bytes);

    [Fact]
    public void An_x25519_key_is_not_an_ed25519_key()
    {
        using var x25519 = Key.Create(KeyAgreementAlgorithm.X25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var spki = x25519.PublicKey.Export(KeyBlobFormat.PkixPublicKey);
        var raw = x25519.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        Assert.Equal(KeyType.Unknown, KeyDer.IdentifySpki(spki));
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromSpki("k", null, spki));
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromPem("k", null, Pem(spki)));

        // Multicodec x25519-pub is 0xec (varint EC 01), ed25519-pub is 0xed (ED 01).
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromMultibase("k", null, Multibase([0xEC, 0x01, .. raw])));
        Assert.False(Multikey.TryDecode(Multibase([0xEC, 0x01, .. raw]), out _, out _));
    }

    [Fact]
    public void Only_the_named_curve_p256_is_accepted_as_ecdsa()
    {
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var key = VerificationKey.FromPem("k", null, Pem(p256.ExportSubjectPublicKeyInfo()));
        Assert.Equal(KeyType.EcdsaP256, key.Type);
        Assert.True(key.Supports(Kindred.ActivityPub.Signatures.HttpSignatureAlgorithm.EcdsaP256Sha256));
        Assert.False(key.Supports(Kindred.ActivityPub.Signatures.HttpSignatureAlgorithm.RsaPkcs1Sha256));

        foreach (var curve in new[] { ECCurve.NamedCurves.nistP384, ECCurve.NamedCurves.nistP521 })
        {
            using var other = ECDsa.Create(curve);
            var spki = other.ExportSubjectPublicKeyInfo();
            Assert.Equal(KeyType.Unknown, KeyDer.IdentifySpki(spki));
            Assert.Throws<KeyFormatException>(() => VerificationKey.FromSpki("k", null, spki));
        }

        // P-256 spelled out as explicit parameters instead of the named-curve OID.
        var explicitSpki = p256.ExportExplicitParameters(false);
        using var explicitKey = ECDsa.Create(explicitSpki);
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromSpki("k", null, explicitKey.ExportSubjectPublicKeyInfo()));
    }

    [Fact]
    public void Ec_spki_without_a_curve_or_with_garbage_is_unknown()
    {
        // SEQUENCE { SEQUENCE { OID ecPublicKey } BIT STRING {} }: no curve parameter at all.
        byte[] noCurve = [0x30, 0x0E, 0x30, 0x09, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x03, 0x01, 0x00];
        Assert.Equal(KeyType.Unknown, KeyDer.IdentifySpki(noCurve));

        // ... with NULL where the curve OID should be.
        byte[] nullCurve = [0x30, 0x10, 0x30, 0x0B, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x05, 0x00, 0x03, 0x01, 0x00];
        Assert.Equal(KeyType.Unknown, KeyDer.IdentifySpki(nullCurve));

        Assert.Equal(KeyType.Unknown, KeyDer.IdentifySpki(new byte[] { 0x30, 0x03, 0x02, 0x01, 0x00 }));
        Assert.Equal(KeyType.Unknown, KeyDer.IdentifySpki(new byte[] { 0xFF }));
        Assert.Equal(KeyType.Unknown, KeyDer.IdentifyPkcs8(new byte[] { 0x30, 0x00 }));
    }

    [Fact]
    public void Key_der_identifies_each_supported_algorithm()
    {
        using var rsa = RSA.Create(2048);
        Assert.Equal(KeyType.Rsa, KeyDer.IdentifySpki(rsa.ExportSubjectPublicKeyInfo()));
        Assert.Equal(KeyType.Rsa, KeyDer.IdentifyPkcs8(rsa.ExportPkcs8PrivateKey()));
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(KeyType.EcdsaP256, KeyDer.IdentifyPkcs8(ec.ExportPkcs8PrivateKey()));
        var ed = KeyGeneration.GenerateEd25519();
        Assert.Equal(KeyType.Ed25519, KeyDer.IdentifyPkcs8(ed.Pkcs8PrivateKey));
        using var fromPem = VerificationKey.FromPem("k", new Uri("https://a.example/u"), ed.PublicKeyPem);
        Assert.Equal(KeyType.Ed25519, fromPem.Type);
        Assert.Equal(new Uri("https://a.example/u"), fromPem.OwnerId);
        Assert.Equal("k", fromPem.KeyId);
    }

    [Fact]
    public void Multikeys_are_ed25519_of_32_bytes_or_rsa()
    {
        var ed = KeyGeneration.GenerateEd25519();
        Assert.True(Multikey.TryDecode(ed.PublicKeyMultibase, out var type, out var bytes));
        Assert.Equal(KeyType.Ed25519, type);
        Assert.Equal(32, bytes.Length);

        var raw = bytes;
        Assert.False(Multikey.TryDecode(Multibase([0xED, 0x01, .. raw, 0x00]), out _, out _));    // 33 bytes
        Assert.False(Multikey.TryDecode(Multibase([0xED, 0x01, .. raw[..31]]), out _, out _));    // 31 bytes
        Assert.False(Multikey.TryDecode(Multibase([0x80, 0x24, .. raw]), out _, out _));          // p256-pub (0x1200)
        Assert.False(Multikey.TryDecode(Multibase(0xED, 0x01), out _, out _));                    // prefix only
        Assert.False(Multikey.TryDecode("m" + Convert.ToBase64String([0xED, 0x01, .. raw]), out _, out _)); // base64 multibase
        Assert.False(Multikey.TryDecode("", out _, out _));
        Assert.False(Multikey.TryDecode(null, out _, out _));
        Assert.False(Multikey.TryDecode("z", out _, out _));

        using var rsa = RSA.Create(2048);
        Assert.True(Multikey.TryDecode(Multibase([0x85, 0x24, .. rsa.ExportSubjectPublicKeyInfo()]), out var rsaType, out _));
        Assert.Equal(KeyType.Rsa, rsaType);
        using var spkiForm = VerificationKey.FromMultibase("k", null, Multibase([0x85, 0x24, .. rsa.ExportSubjectPublicKeyInfo()]));
        using var pkcs1Form = VerificationKey.FromMultibase("k", null, Multikey.EncodeRsa(rsa));
        Assert.Equal(2048, spkiForm.RsaKeySizeInBits);
        Assert.Equal(2048, pkcs1Form.RsaKeySizeInBits);
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromMultibase("k", null, Multibase(0x85, 0x24, 0x30, 0x00)));

        // The PKCS#1 form really is that key: a signature by it verifies.
        using var signer = SigningKey.FromPkcs8("k", rsa.ExportPkcs8PrivateKey());
        var signature = signer.Sign(Kindred.ActivityPub.Signatures.HttpSignatureAlgorithm.RsaPkcs1Sha256, "data"u8);
        Assert.True(pkcs1Form.Verify(Kindred.ActivityPub.Signatures.HttpSignatureAlgorithm.RsaPkcs1Sha256, "data"u8, signature));
        Assert.True(spkiForm.Verify(Kindred.ActivityPub.Signatures.HttpSignatureAlgorithm.RsaPkcs1Sha256, "data"u8, signature));

        // The prefix alone is no key; one byte after it is handed to the importer, which refuses it.
        Assert.False(Multikey.TryDecode(Multibase(0x85, 0x24), out _, out _));
        Assert.True(Multikey.TryDecode(Multibase(0x85, 0x24, 0x30), out var oneByteType, out var oneByte));
        Assert.Equal(KeyType.Rsa, oneByteType);
        Assert.Equal([0x30], oneByte);
        Assert.Contains("RSA", Assert.Throws<KeyFormatException>(() => VerificationKey.FromMultibase("k", null, Multibase(0x85, 0x24, 0x30))).Message, StringComparison.Ordinal);
        Assert.Contains("Unsupported", Assert.Throws<KeyFormatException>(() => VerificationKey.FromMultibase("k", null, Multibase(0x80, 0x24, 0x30))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Multikey.EncodeEd25519(new byte[31]));
    }

    [Fact]
    public void An_rsa_spki_with_a_broken_key_is_a_key_format_error()
    {
        // SEQUENCE { SEQUENCE { rsaEncryption, NULL } BIT STRING { 00 30 00 } }: the right OID, no key.
        byte[] spki = [0x30, 0x13, 0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x03, 0x00, 0x30, 0x00];
        Assert.Equal(KeyType.Rsa, KeyDer.IdentifySpki(spki));
        var ex = Assert.Throws<KeyFormatException>(() => VerificationKey.FromSpki("k", null, spki));
        Assert.IsAssignableFrom<CryptographicException>(ex.InnerException);
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromPem("k", null, Pem(spki)));
    }

    [Fact]
    public void Ed25519_raw_keys_must_be_32_bytes()
    {
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromEd25519("k", null, new byte[31]));
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromEd25519("k", null, new byte[33]));
        using var key = VerificationKey.FromEd25519("k", null, new byte[32]);
        Assert.Equal(KeyType.Ed25519, key.Type);
    }

    [Fact]
    public void Pem_labels_other_than_public_keys_are_refused()
    {
        using var rsa = RSA.Create(2048);
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromPem("k", null, PemEncoding.WriteString("PRIVATE KEY", rsa.ExportPkcs8PrivateKey())));
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromPem("k", null, PemEncoding.WriteString("CERTIFICATE", rsa.ExportSubjectPublicKeyInfo())));
        Assert.Throws<KeyFormatException>(() => VerificationKey.FromPem("k", null, PemEncoding.WriteString("RSA PUBLIC KEY", [0x30, 0x00])));
        using var pkcs1 = VerificationKey.FromPem("k", null, PemEncoding.WriteString("RSA PUBLIC KEY", rsa.ExportRSAPublicKey()));
        Assert.Equal(KeyType.Rsa, pkcs1.Type);
    }

    [Theory]
    [InlineData("http://a.example/users/x", "http://a.example/keys/1", true)]             // plain http matches plain http
    [InlineData("http://a.example/users/x", "http://a.example:80/keys/1", true)]          // default port made explicit
    [InlineData("https://a.example/users/x", "https://a.example:443/keys/1", true)]
    [InlineData("https://a.example:8443/x", "https://a.example:8443/y", true)]
    [InlineData("https://bücher.example/u", "https://xn--bcher-kva.example/k", true)]      // IDN and its A-label
    [InlineData("https://a.example/users/x", "http://a.example/users/x", false)]           // scheme differs
    [InlineData("http://a.example/users/x", "https://a.example/users/x", false)]
    [InlineData("http://a.example:443/x", "https://a.example/x", false)]
    [InlineData("https://a.example/users/x", "https://b.example/users/x", false)]
    [InlineData("urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", false)] // opaque
    [InlineData("did:web:a.example", "did:web:a.example", false)]
    [InlineData("did:key:z6Mkabc", "did:key:z6Mkabc#z6Mkabc", false)]
    [InlineData("https://a.example/users/x", "did:web:a.example", false)]
    [InlineData("acct:x@a.example", "https://a.example/users/x", false)]
    [InlineData("ftp://a.example/x", "ftp://a.example/y", false)]
    [InlineData("ws://a.example/x", "https://a.example/y", false)]
    public void Same_origin_is_only_for_http_and_https_ids(string a, string b, bool expected)
    {
        Assert.Equal(expected, Origins.SameOrigin(new Uri(a), new Uri(b)));
        Assert.Equal(expected, Origins.SameOrigin(new Uri(b), new Uri(a)));
        Assert.Equal(expected, Origins.SameOrigin(a, b));
    }

    [Fact]
    public void Relative_and_unparseable_ids_share_no_origin()
    {
        Assert.False(Origins.SameOrigin(new Uri("/users/x", UriKind.Relative), new Uri("/users/x", UriKind.Relative)));
        Assert.False(Origins.SameOrigin(new Uri("https://a.example/x"), new Uri("/x", UriKind.Relative)));
        Assert.False(Origins.SameOrigin(new Uri("/x", UriKind.Relative), new Uri("https://a.example/x")));
        Assert.False(Origins.SameOrigin("https://a.example/x", "/x"));
        Assert.False(Origins.SameOrigin("not a uri", "https://a.example/x"));
        Assert.False(Origins.SameOrigin("https://a.example/x", "not a uri"));
        Assert.True(Origins.SameOrigin("https://a.example/x", "https://a.example/y"));
        Assert.Throws<ArgumentNullException>(() => Origins.SameOrigin(null!, new Uri("https://a.example/")));
        Assert.Throws<ArgumentNullException>(() => Origins.SameOrigin(new Uri("https://a.example/"), null!));
    }
}
