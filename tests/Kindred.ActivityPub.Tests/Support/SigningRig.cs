using System.Security.Cryptography;
using System.Text;
using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures;
using Kindred.ActivityPub.Signatures.StructuredFields;

namespace Kindred.ActivityPub.Tests.Support;

/// <summary>
/// Hand-made signatures for the failure branches: any cavage parameters or RFC 9421 Signature-Input,
/// signed (or forged) exactly as a hostile or sloppy peer would send them. The production signers
/// only ever make well-formed signatures, so they cannot reach these branches.
/// </summary>
internal static class SigningRig
{
    public const string Actor = "https://remote.example/users/alice";
    public const string RsaKeyId = Actor + "#main-key";
    public const string EdKeyId = Actor + "#ed25519-key";
    public static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly long NowUnix = Now.ToUnixTimeSeconds();
    public static readonly Uri Inbox = new("https://kindred.example/inbox");
    public static readonly byte[] Body = "{\"type\":\"Follow\"}"u8.ToArray();

    // Generating RSA keys is slow: one pair per test run.
    public static readonly GeneratedKeyPair Rsa = KeyGeneration.GenerateRsa();
    public static readonly GeneratedKeyPair Ed = KeyGeneration.GenerateEd25519();

    public static SigningKey RsaSigner() => SigningKey.FromPkcs8(RsaKeyId, Rsa.Pkcs8PrivateKey);

    public static SigningKey EdSigner() => SigningKey.FromPkcs8(EdKeyId, Ed.Pkcs8PrivateKey);

    public static VerificationKey RsaKey() => VerificationKey.FromPem(RsaKeyId, new Uri(Actor), Rsa.PublicKeyPem);

    public static VerificationKey EdKey() => VerificationKey.FromMultibase(EdKeyId, new Uri(Actor), Ed.PublicKeyMultibase);

    /// <summary>A 1024-bit RSA pair (below the 2048-bit minimum); KeyGeneration refuses to make one.</summary>
    public static (SigningKey Signer, VerificationKey Key) WeakRsa()
    {
        using var rsa = RSA.Create(1024);
        return (SigningKey.FromPkcs8(RsaKeyId, rsa.ExportPkcs8PrivateKey()),
            VerificationKey.FromSpki(RsaKeyId, new Uri(Actor), rsa.ExportSubjectPublicKeyInfo()));
    }

    public static HttpSignatureVerifier Verifier(DateTimeOffset? at = null, HttpSignatureVerifierOptions? options = null) =>
        new(new FixedTimeProvider(at ?? Now), options);

    public static string ImfDate(DateTimeOffset at) => at.ToString("r", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A POST to the inbox with the body, Content-Type, Date, Digest and Content-Digest set.</summary>
    public static SignableRequest Post(byte[]? body = null, string method = "POST", Uri? url = null)
    {
        body ??= Body;
        var request = SignableRequest.Create(method, url ?? Inbox, body, "application/activity+json");
        request.Headers.Set("Date", ImfDate(Now));
        request.Headers.Set("Digest", BodyDigest.ComputeDigestHeader(body));
        request.Headers.Set("Content-Digest", BodyDigest.ComputeContentDigest(body));
        return request;
    }

    public static SignableRequest Get(string url = "https://kindred.example/users/bob?page=2")
    {
        var request = SignableRequest.Create("GET", new Uri(url), accept: "application/activity+json");
        request.Headers.Set("Date", ImfDate(Now));
        return request;
    }

    /// <summary>Signs a cavage signature over exactly <paramref name="headers"/> with the given
    /// parameters. <paramref name="algorithmName"/> null leaves the parameter out.</summary>
    public static SignableRequest SignCavage(SignableRequest request, SigningKey key, string headers, string? algorithmName = "rsa-sha256",
        long? created = null, long? expires = null, string? createdText = null, string? expiresText = null)
    {
        var names = headers.Split(' ');
        var signingString = CavageSigningString.Build(request, names, created, expires) ?? "a header the signer does not have";
        var signature = key.Sign(key.DefaultAlgorithm, Encoding.UTF8.GetBytes(signingString));
        var value = new StringBuilder($"keyId=\"{key.KeyId}\"");
        if (algorithmName is not null)
        {
            value.Append($",algorithm=\"{algorithmName}\"");
        }

        if ((createdText ?? created?.ToString(System.Globalization.CultureInfo.InvariantCulture)) is { } c)
        {
            value.Append($",created={c}");
        }

        if ((expiresText ?? expires?.ToString(System.Globalization.CultureInfo.InvariantCulture)) is { } e)
        {
            value.Append($",expires={e}");
        }

        value.Append($",headers=\"{headers}\",signature=\"{Convert.ToBase64String(signature)}\"");
        request.Headers.Set("Signature", value.ToString());
        return request;
    }

    /// <summary>
    /// Signs with an RFC 9421 <c>Signature-Input</c> member given as text, e.g.
    /// <c>("@method" "@target-uri");created=1;keyid="k"</c>. When the base cannot be built (the point of
    /// the test), the signature is made over what an attacker might hope the verifier computes instead:
    /// <paramref name="forgedBase"/>, or random bytes.
    /// </summary>
    public static SignableRequest Sign9421(SignableRequest request, SigningKey key, string input, string label = "sig1",
        HttpSignatureAlgorithm? algorithm = null, string? forgedBase = null)
    {
        var inner = StructuredFieldParser.ParseDictionary($"{label}={input}").Single().InnerList!;
        var signatureBase = forgedBase
            ?? (Rfc9421SignatureBase.TryBuild(request, inner, out var built, out _, out _) ? built : Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var signature = key.Sign(algorithm ?? key.DefaultAlgorithm, Encoding.UTF8.GetBytes(signatureBase));
        request.Headers.Set("Signature-Input", $"{label}={input}");
        request.Headers.Set("Signature", $"{label}=:{Convert.ToBase64String(signature)}:");
        return request;
    }

    /// <summary>The RFC 9421 parameters a well-behaved signer adds.</summary>
    public static string Params(string keyId, long? created = null, string? extra = null) =>
        $";created={created ?? NowUnix};keyid=\"{keyId}\"{extra}";
}
