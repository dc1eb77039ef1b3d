using System.Text;
using System.Text.Json;
using Kindred.ActivityPub.Vocabulary;

namespace Kindred.ActivityPub.Tests.Vocabulary;

/// <summary>Bodies that System.Text.Json parses but that must be refused before the tolerant reader
/// uses them: invalid UTF-8, unpaired surrogate escapes, and duplicate properties at any depth.</summary>
public sealed class HostileJsonTests
{
    private static readonly ActivityStreamsParser Parser = new();

    private static byte[] Activity(string before, byte[] middle, string after) =>
        [.. Encoding.UTF8.GetBytes(before), .. middle, .. Encoding.UTF8.GetBytes(after)];

    private const string Head = "{\"type\":\"Follow\",\"actor\":\"https://a.example/u\",\"object\":\"https://b.example/g\",\"summary\":\"";

    public static TheoryData<string, byte[]> InvalidText() => new()
    {
        { "lone continuation byte", Activity(Head, [0x80], "\"}") },
        { "truncated sequence", Activity(Head, [0xE2, 0x82], "\"}") },
        { "0xFF", Activity(Head, [0xFF, 0xFE], "\"}") },
        { "overlong slash", Activity(Head, [0xC0, 0xAF], "\"}") },
        { "encoded surrogate", Activity(Head, [0xED, 0xA0, 0x80], "\"}") },
        { "beyond U+10FFFF", Activity(Head, [0xF4, 0x90, 0x80, 0x80], "\"}") },
        { "in a property name", Activity("{\"type\":\"Follow\",\"", [0xC3], "\":1}") },
        { "in an escaped string", Activity(Head + "\\n", [0xFF], "\"}") },
        { "lone high surrogate", Encoding.UTF8.GetBytes(Head + "\\uD800\"}") },
        { "lone low surrogate", Encoding.UTF8.GetBytes(Head + "\\uDC00x\"}") },
        { "reversed pair", Encoding.UTF8.GetBytes(Head + "\\uDE00\\uD83D\"}") },
        { "high surrogate at the end", Encoding.UTF8.GetBytes(Head + "abc\\uD83D\"}") },
        { "surrogate in a property name", Encoding.UTF8.GetBytes("{\"type\":\"Follow\",\"\\uD800\":1}") },
        { "surrogate deep inside", Encoding.UTF8.GetBytes("{\"type\":\"Create\",\"object\":{\"tag\":[{\"name\":\"\\uDBFF\"}]}}") },
    };

    [Theory]
    [MemberData(nameof(InvalidText))]
    public void Invalid_text_is_a_parse_failure(string why, byte[] body)
    {
        var ex = Assert.Throws<ActivityStreamsParseException>(() => Parser.Parse(body));
        Assert.True(ParseFailure.InvalidText == ex.Reason, why);
        Assert.Null(ex.InnerException);
    }

    [Theory]
    [InlineData("{\"type\":\"Note\",\"content\":\"\\uD83D\\uDE00 ok\"}")]       // a proper pair
    [InlineData("{\"type\":\"Note\",\"content\":\"caf\u00e9 \u2764 \ud83d\ude00\"}")] // raw UTF-8
    [InlineData("{\"type\":\"Note\",\"content\":\"\\u00e9\\n\\\"\"}")]
    [InlineData("{\"type\":\"Note\",\"content\":\"\"}")]
    public void Valid_text_is_accepted(string json)
    {
        var entity = Parser.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Equal("Note", entity.Type);
    }

    [Theory]
    [InlineData("{\"type\":\"Follow\",\"actor\":\"https://a.example/u\",\"actor\":\"https://b.example/u\",\"object\":\"x\"}")]
    [InlineData("{\"type\":\"Follow\",\"actor\":\"https://a.example/u\",\"\\u0061ctor\":\"https://b.example/u\"}")] // same after unescaping
    [InlineData("{\"type\":\"Create\",\"object\":{\"id\":\"https://a.example/1\",\"id\":\"https://a.example/2\"}}")]
    [InlineData("{\"type\":\"Create\",\"object\":{\"tag\":[{},{\"href\":\"a\",\"href\":\"b\"}]}}")]
    [InlineData("{\"type\":\"Follow\",\"x\":1,\"x\":1}")]                         // even with the same value
    [InlineData("{\"type\":\"Follow\",\"\":1,\"\":2}")]
    [InlineData("{\"@context\":[\"https://www.w3.org/ns/activitystreams\",{\"a\":\"b\",\"a\":\"c\"}],\"type\":\"Follow\"}")]
    public void Duplicate_properties_are_refused_at_any_depth(string json)
    {
        var ex = Assert.Throws<ActivityStreamsParseException>(() => Parser.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(ParseFailure.DuplicateProperty, ex.Reason);
    }

    [Theory]
    [InlineData("{\"type\":\"Create\",\"object\":{\"type\":\"Note\"},\"target\":{\"type\":\"Note\"}}")]  // same names in sibling objects
    [InlineData("{\"type\":\"Create\",\"object\":{\"object\":{\"object\":\"x\"}}}")]                      // and in nested ones
    [InlineData("{\"type\":\"Create\",\"to\":[\"a\",\"a\"],\"Type\":\"x\"}")]                              // names are case-sensitive
    [InlineData("{\"type\":\"Create\",\"items\":[{\"id\":\"1\"},{\"id\":\"2\"}]}")]
    public void The_same_name_in_different_objects_is_fine(string json) =>
        Assert.NotNull(Parser.Parse(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("{\"actor\":\"https://a.example/u\",\"actor\":\"https://b.example/u\"}", "Property \"actor\" appears twice in one object.")]
    [InlineData("{\"a\\nb\":1,\"a\\nb\":2}", "A property appears twice in one object.")]
    [InlineData("{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":1,\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":2}", "A property appears twice in one object.")]
    [InlineData("{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":1,\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":2}", "Property \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" appears twice in one object.")]
    [InlineData("{\"@id\":1,\"@id\":2}", "Property \"@id\" appears twice in one object.")]
    [InlineData("{\"as:x_y-z.1#f\":1,\"as:x_y-z.1#f\":2}", "Property \"as:x_y-z.1#f\" appears twice in one object.")]
    public void Messages_name_a_property_only_when_it_is_safe_to_log(string json, string message) =>
        Assert.Equal((ParseFailure.DuplicateProperty, message), StrictJson.Check(Encoding.UTF8.GetBytes(json), 32));

    [Fact]
    public void Syntax_errors_and_depth_are_left_to_the_parser()
    {
        Assert.Null(StrictJson.Check("{\"a\":"u8, 32));
        Assert.Null(StrictJson.Check(Encoding.UTF8.GetBytes(new string('[', 40) + new string(']', 40)), 32));
        Assert.Equal(ParseFailure.InvalidJson, Assert.Throws<ActivityStreamsParseException>(() => Parser.Parse("{\"a\":"u8)).Reason);
        Assert.Equal(ParseFailure.TooDeep, Assert.Throws<ActivityStreamsParseException>(() => Parser.Parse(Encoding.UTF8.GetBytes("{\"a\":" + new string('[', 40) + new string(']', 40) + "}"))).Reason);

        // A duplicate before the syntax error is still reported as the duplicate it is.
        Assert.Equal(ParseFailure.DuplicateProperty, StrictJson.Check("{\"a\":1,\"a\":2,"u8, 32)?.Failure);
    }

    [Fact]
    public void An_element_parsed_elsewhere_with_invalid_text_fails_as_a_parse_failure()
    {
        using var document = JsonDocument.Parse(Encoding.UTF8.GetBytes("{\"type\":\"Note\",\"content\":\"\\uD800\"}"));
        var ex = Assert.Throws<ActivityStreamsParseException>(() => Parser.Parse(document.RootElement));
        Assert.Equal(ParseFailure.InvalidText, ex.Reason);
        Assert.IsType<InvalidOperationException>(ex.InnerException);
    }

    [Fact]
    public void Strings_with_lone_surrogates_from_dotnet_are_sent_as_replacement_characters()
    {
        // Parse(string) encodes with replacement, so a .NET string can never smuggle one in.
        var entity = Parser.Parse("{\"type\":\"Note\",\"content\":\"a\ud800b\"}");
        Assert.Equal("a\ufffdb", ((AsObject)entity).Content);
    }
}
