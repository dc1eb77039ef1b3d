using System.Text;
using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures;
using Kindred.ActivityPub.Signatures.StructuredFields;
using Kindred.ActivityPub.Vocabulary;

namespace Kindred.Fuzz;

/// <summary>
/// One function per parser a stranger can reach. Each swallows exactly the exception its API documents
/// for bad input; anything else escapes, and the fuzzer records the input as a crash.
/// </summary>
internal static class Targets
{
    // Lazy: SharpFuzz's instrumented library must not run before the fuzzer has set up its shared memory,
    // so nothing of it is touched until the first input arrives.
    private static readonly Lazy<ActivityStreamsParser> Parser = new(() => new ActivityStreamsParser());
    private static readonly Lazy<HttpSignatureVerifier> Verifier = new(() => new HttpSignatureVerifier(TimeProvider.System));
    private static readonly Lazy<VerificationKey> Key = new(() =>
        VerificationKey.FromMultibase("https://fuzz.example/actor#key", new Uri("https://fuzz.example/actor"), KeyGeneration.GenerateEd25519().PublicKeyMultibase));

    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>
    {
        ["json"] = Json,
        ["cavage"] = Cavage,
        ["structured-field"] = StructuredField,
        ["verify-cavage"] = VerifyCavage,
        ["verify-rfc9421"] = VerifyRfc9421,
    };

    /// <summary>The tolerant AS2 reader: refuses with <see cref="ActivityStreamsParseException"/> only.</summary>
    private static void Json(byte[] input)
    {
        try
        {
            var entity = Parser.Value.Parse(input);
            _ = entity.Raw.GetRawText();
        }
        catch (ActivityStreamsParseException)
        {
        }
    }

    /// <summary>The draft-cavage Signature header: refuses with <see cref="FormatException"/> only, and what it
    /// accepts serialises to something that parses to the same.</summary>
    private static void Cavage(byte[] input)
    {
        CavageSignatureHeader header;
        try
        {
            header = CavageSignatureHeader.Parse(Encoding.UTF8.GetString(input));
        }
        catch (FormatException)
        {
            return;
        }

        var again = CavageSignatureHeader.Parse(header.ToHeaderValue());
        if (again.KeyId != header.KeyId || !again.Signature.AsSpan().SequenceEqual(header.Signature) || !again.Headers.SequenceEqual(header.Headers))
        {
            throw new InvalidOperationException("Cavage header does not round-trip.");
        }
    }

    /// <summary>RFC 8941 dictionaries (Signature-Input, Signature, Content-Digest): <see cref="FormatException"/>
    /// only, and serialising what was parsed is stable.</summary>
    private static void StructuredField(byte[] input)
    {
        IReadOnlyList<SfMember> members;
        try
        {
            members = StructuredFieldParser.ParseDictionary(Encoding.UTF8.GetString(input));
        }
        catch (FormatException)
        {
            return;
        }

        foreach (var member in members)
        {
            var text = member.InnerList is { } list ? StructuredFieldSerializer.SerializeInnerList(list) : StructuredFieldSerializer.SerializeItem(member.Item!);
            var reparsed = StructuredFieldParser.ParseDictionary($"{member.Key}={text}").Single();
            var again = reparsed.InnerList is { } l2 ? StructuredFieldSerializer.SerializeInnerList(l2) : StructuredFieldSerializer.SerializeItem(reparsed.Item!);
            if (again != text)
            {
                throw new InvalidOperationException($"Structured field does not re-serialise stably: {text} / {again}");
            }
        }
    }

    /// <summary>A whole request with the input as its Signature header: a result, never an exception, never valid.</summary>
    private static void VerifyCavage(byte[] input)
    {
        var request = Request(input);
        request.Headers.Set("Signature", Encoding.UTF8.GetString(input));
        Check(request);
    }

    /// <summary>The input split at the first newline into Signature-Input and Signature.</summary>
    private static void VerifyRfc9421(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        var request = Request(input);
        request.Headers.Set("Signature-Input", newline < 0 ? text : text[..newline]);
        request.Headers.Set("Signature", newline < 0 ? "" : text[(newline + 1)..]);
        Check(request);
    }

    private static SignableRequest Request(byte[] body)
    {
        var request = SignableRequest.Create("POST", new Uri("https://kindred.example/inbox?a=1"), body, "application/activity+json");
        request.Headers.Set("Date", DateTimeOffset.UtcNow.ToString("r", System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Set("Digest", BodyDigest.ComputeDigestHeader(body));
        request.Headers.Set("Content-Digest", BodyDigest.ComputeContentDigest(body));
        return request;
    }

    private static void Check(SignableRequest request)
    {
        _ = HttpSignatureVerifier.ReadKeyId(request);
        if (Verifier.Value.Verify(request, Key.Value).IsValid)
        {
            throw new InvalidOperationException("A fuzzed signature verified with a key nobody holds.");
        }
    }
}
