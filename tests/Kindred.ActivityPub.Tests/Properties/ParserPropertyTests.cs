using System.Text;
using System.Text.Json;
using CsCheck;
using Kindred.ActivityPub.Signatures;
using Kindred.ActivityPub.Signatures.StructuredFields;
using Kindred.ActivityPub.Vocabulary;
using static Kindred.ActivityPub.Tests.Support.SigningRig;

namespace Kindred.ActivityPub.Tests.Properties;

/// <summary>
/// Property tests (CsCheck) for everything that reads bytes a stranger sends: the tolerant JSON reader
/// and both signature header parsers. Each property runs a few hundred generated inputs on one thread,
/// so the suite stays quick; a failure prints the shrunk input and the seed to replay it. For long
/// runs use the SharpFuzz harness in tests/Kindred.Fuzz (see docs/security.md).
/// </summary>
public sealed class ParserPropertyTests
{
    private const int Iterations = 400;

    private static void Sample<T>(Gen<T> gen, Action<T> property) => gen.Sample(property, iter: Iterations, threads: 1);

    // ---- JSON ----

    private static readonly string[] Names = ["type", "actor", "object", "id", "to", "content", "contentMap", "tag", "@context", "\\u0061ctor", "x"];

    private static readonly string[] TextPieces =
        ["a", "Follow", "https://a.example/u", "\\n", "\\\"", "\\u00e9", "\\uD83D\\uDE00", "\\uD800", "\\uDC00", "\\uDBFF", "é", "😀", " ", "\\\\"];

    /// <summary>JSON-shaped text: objects with names drawn from a small set (so duplicates are common),
    /// strings built from escapes that include unpaired surrogates.</summary>
    private static Gen<string> JsonValue(int depth)
    {
        var text = Gen.Int[0, TextPieces.Length - 1].Array[0, 6].Select(ix => "\"" + string.Concat(ix.Select(i => TextPieces[i])) + "\"");
        var scalar = Gen.OneOf(text, Gen.OneOf("1", "-2.5e3", "true", "false", "null"));
        if (depth == 0)
        {
            return scalar;
        }

        var array = JsonValue(depth - 1).Array[0, 3].Select(items => "[" + string.Join(",", items) + "]");
        var member = Gen.Select(Gen.Int[0, Names.Length - 1], JsonValue(depth - 1), (n, v) => $"\"{Names[n]}\":{v}");
        var obj = member.Array[0, 5].Select(members => "{" + string.Join(",", members) + "}");
        return Gen.Frequency((2, scalar), (1, array), (3, obj));
    }

    private static readonly byte[][] BadBytes = [[0x80], [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x00], "\""u8.ToArray(), "\\"u8.ToArray(), "}"u8.ToArray()];

    /// <summary>A generated document, sometimes with raw bytes spliced in anywhere.</summary>
    private static readonly Gen<byte[]> JsonDocuments =
        Gen.Select(
            JsonValue(3).Select(v => "{\"type\":\"Create\",\"object\":" + v + "}"),
            Gen.Select(Gen.Int[0, 10_000], Gen.Int[0, BadBytes.Length - 1]).Array[0, 2],
            (json, splices) =>
            {
                var bytes = Encoding.UTF8.GetBytes(json).ToList();
                foreach (var (at, which) in splices)
                {
                    bytes.InsertRange(at % (bytes.Count + 1), BadBytes[which]);
                }

                return bytes.ToArray();
            });

    [Fact]
    public void The_json_reader_either_refuses_a_document_or_gives_one_that_reads_without_surprises()
    {
        var parser = new ActivityStreamsParser();
        Sample(JsonDocuments, body =>
        {
            AsEntity entity;
            try
            {
                entity = parser.Parse(body);
            }
            catch (ActivityStreamsParseException)
            {
                return; // the one exception bad input may cause
            }

            // Accepted: every string and name reads, and no object repeats a name.
            ReadAll(entity.Raw);
        });
    }

    [Fact]
    public void Random_bytes_never_escape_the_json_reader_as_anything_but_a_parse_failure()
    {
        var parser = new ActivityStreamsParser();
        var alphabet = Gen.OneOf(Gen.Byte, Gen.OneOf("{}[]\":,\\u0123456789abcdefDtrunl ".Select(c => (byte)c).ToArray()));
        Sample(alphabet.Array[0, 64].Select(b => (byte[])[(byte)'{', .. b]), body =>
        {
            try
            {
                ReadAll(parser.Parse(body).Raw);
            }
            catch (ActivityStreamsParseException)
            {
            }
        });
    }

    private static void ReadAll(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    Assert.True(names.Add(property.Name), $"duplicate {property.Name}");
                    ReadAll(property.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    ReadAll(item);
                }

                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
        }
    }

    // ---- draft-cavage Signature header ----

    private static readonly Gen<string> CavageLike =
        Gen.OneOf(
                Gen.OneOf("keyId=", "algorithm=", "headers=", "signature=", "created=", "expires=", "\"", "\\", ",", " ", "\t", "\r\n ", "=", "AQID", "hs2019", "(request-target)", "1402170695", ".5", "-", "https://a.example/u#k"),
                Gen.Char[' ', '~'].Select(c => c.ToString()))
            .Array[0, 24].Select(string.Concat);

    [Fact]
    public void The_cavage_parser_either_refuses_or_round_trips()
    {
        Sample(CavageLike, value =>
        {
            CavageSignatureHeader parsed;
            try
            {
                parsed = CavageSignatureHeader.Parse(value);
            }
            catch (FormatException)
            {
                return;
            }

            var again = CavageSignatureHeader.Parse(parsed.ToHeaderValue());
            Assert.Equal(parsed.KeyId, again.KeyId);
            Assert.Equal(parsed.Algorithm, again.Algorithm);
            Assert.Equal(parsed.Headers, again.Headers);
            Assert.Equal(parsed.Signature, again.Signature);
            Assert.Equal(parsed.Created, again.Created);
            Assert.Equal(parsed.Expires, again.Expires);
        });
    }

    [Fact]
    public void Generated_cavage_headers_round_trip()
    {
        var token = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-()"].Array[1, 12].Select(c => new string(c));
        var printable = Gen.Char[' ', '~'].Array[1, 40].Select(c => new string(c));
        var gen = Gen.Select(printable, token.Null(), token.Array[1, 6], Gen.Byte.Array[1, 64], Gen.Long[0, 99_999_999_999].Nullable(), Gen.Long[0, 99_999_999_999].Nullable(),
            (keyId, algorithm, headers, signature, created, expires) => new CavageSignatureHeader
            {
                KeyId = keyId,
                Algorithm = algorithm,
                Headers = headers,
                Signature = signature,
                Created = created,
                Expires = expires,
            });
        Sample(gen.Where(h => !string.IsNullOrWhiteSpace(h.KeyId)), header =>
        {
            var parsed = CavageSignatureHeader.Parse(header.ToHeaderValue());
            Assert.Equal(header.KeyId, parsed.KeyId);
            Assert.Equal(header.Algorithm, parsed.Algorithm);
            Assert.Equal(header.Headers, parsed.Headers);
            Assert.Equal(header.Signature, parsed.Signature);
            Assert.Equal(header.Created, parsed.Created);
            Assert.Equal(header.Expires, parsed.Expires);
        });
    }

    // ---- RFC 9421 Signature-Input / Signature (RFC 8941 dictionaries) ----

    private static readonly Gen<string> DictionaryLike =
        Gen.OneOf(
                Gen.OneOf("sig1=", "sig2=", "(", ")", "\"@method\"", "\"@target-uri\"", "\"content-digest\"", "\"@query-param\";name=\"a\"", ";created=1740830400",
                    ";keyid=\"k\"", ";alg=\"ed25519\"", ";expires=999999999999999", ";sf", ":AQID:", "?1", "1.5", "-3", ", ", " ", "\t", "\"", "\\", "*tok", ";"),
                Gen.Char[' ', '~'].Select(c => c.ToString()))
            .Array[0, 16].Select(string.Concat);

    [Fact]
    public void The_structured_field_parser_either_refuses_or_reserialises_stably()
    {
        Sample(DictionaryLike, value =>
        {
            IReadOnlyList<SfMember> members;
            try
            {
                members = StructuredFieldParser.ParseDictionary(value);
            }
            catch (FormatException)
            {
                return;
            }

            var serialised = string.Join(", ", members.Select(Serialise));
            var again = StructuredFieldParser.ParseDictionary(serialised);
            Assert.Equal(serialised, string.Join(", ", again.Select(Serialise)));
        });

        static string Serialise(SfMember m) =>
            m.Key + (m.InnerList is { } list ? "=" + StructuredFieldSerializer.SerializeInnerList(list)
                : m.Item!.Value is true ? StructuredFieldSerializer.SerializeParameters(m.Item.Parameters)
                : "=" + StructuredFieldSerializer.SerializeItem(m.Item));
    }

    [Fact]
    public void The_verifier_turns_any_signature_headers_into_a_result_never_an_exception()
    {
        var verifier = Verifier();
        using var key = EdKey();
        var gen = Gen.Select(DictionaryLike, DictionaryLike, CavageLike, Gen.Int[0, 3]);
        Sample(gen, t =>
        {
            var (input, signature, cavage, which) = t;
            var request = Post();
            switch (which)
            {
                case 0:
                    request.Headers.Set("Signature-Input", input);
                    request.Headers.Set("Signature", signature);
                    break;
                case 1:
                    request.Headers.Set("Signature-Input", $"sig1=(\"@method\" \"@target-uri\" \"content-digest\" {input});created={NowUnix};keyid=\"{EdKeyId}\"");
                    request.Headers.Set("Signature", "sig1=:" + Convert.ToBase64String(new byte[64]) + ":");
                    break;
                case 2:
                    request.Headers.Set("Signature", cavage);
                    break;
                default:
                    request.Headers.Set("Signature", $"keyId=\"{EdKeyId}\",algorithm=\"hs2019\",{cavage},headers=\"(request-target) host date digest\",signature=\"AQID\"");
                    break;
            }

            _ = HttpSignatureVerifier.ReadKeyId(request);
            var result = verifier.Verify(request, key);
            Assert.False(result.IsValid);
            Assert.NotNull(result.Failure);
        });
    }

    [Fact]
    public void Signed_requests_with_one_header_changed_never_throw_and_a_changed_covered_header_never_verifies()
    {
        var verifier = Verifier();
        using var signer = EdSigner();
        using var key = EdKey();
        string[] covered = ["Host", "Date", "Digest", "Content-Digest", "Content-Type"];
        var gen = Gen.Select(Gen.Int[0, covered.Length - 1], Gen.Bool, Gen.Char['!', '~'].Array[1, 8].Select(c => new string(c)));
        Sample(gen, t =>
        {
            var (index, rfc9421, replacement) = t;
            var request = rfc9421
                ? Sign9421(Post(), signer, $"(\"@method\" \"@target-uri\" \"content-type\" \"content-digest\" \"date\"){Params(EdKeyId)}")
                : SignCavage(Post(), signer, "(request-target) host date digest content-digest content-type", "hs2019");
            var original = request.Headers.GetFirst(covered[index])!;
            request.Headers.Set(covered[index], original + replacement);
            var result = verifier.Verify(request, key);
            Assert.False(result.IsValid, $"{covered[index]}: {original + replacement}");
        });
    }
}
