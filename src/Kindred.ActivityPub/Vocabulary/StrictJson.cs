using System.Text.Json;
using System.Text.Unicode;

namespace Kindred.ActivityPub.Vocabulary;

/// <summary>
/// What the tolerant model cannot check once a document is parsed, checked in one forward pass over
/// the bytes before anything else reads them:
/// <list type="bullet">
/// <item>every string and property name is valid Unicode: well-formed UTF-8 (RFC 8259 §8.1) and no
/// unpaired surrogate escape such as <c>"\uD800"</c> (RFC 8259 §8.2 leaves their meaning undefined).
/// System.Text.Json accepts both while parsing and only throws later, when a value is read;</item>
/// <item>no object has the same property name twice, at any depth, compared after unescaping.
/// RFC 8259 §4 leaves the meaning of such an object undefined and JSON-LD processors disagree
/// about it, so two servers could read two different activities from one signed body.</item>
/// </list>
/// </summary>
internal static class StrictJson
{
    /// <summary>Null when the document passes; otherwise why not. JSON syntax errors and excess depth
    /// are left to the real parser (this pass stops at the first one and reports nothing).</summary>
    public static (ParseFailure Failure, string Message)? Check(ReadOnlySpan<byte> utf8Json, int maxDepth)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = maxDepth });
        var names = new Stack<HashSet<string>>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        names.Push(new HashSet<string>(StringComparer.Ordinal));
                        break;
                    case JsonTokenType.EndObject:
                        names.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        // GetString unescapes, and throws InvalidOperationException for invalid text.
                        var name = reader.GetString()!;
                        if (!names.Peek().Add(name))
                        {
                            return (ParseFailure.DuplicateProperty, $"{Describe(name)} appears twice in one object.");
                        }

                        break;
                    case JsonTokenType.String when !IsValidText(ref reader):
                        return InvalidText;
                }
            }
        }
        catch (InvalidOperationException)
        {
            return InvalidText;
        }
        catch (JsonException)
        {
            // Syntax or depth: the parser that runs next reports it with the right reason.
        }

        return null;
    }

    private static (ParseFailure, string) InvalidText => (ParseFailure.InvalidText, "A JSON string is not valid UTF-8 or has an unpaired surrogate escape.");

    /// <summary>Unescaped strings are checked in place; escaped ones are decoded, which throws for
    /// invalid UTF-8 and for unpaired surrogates.</summary>
    private static bool IsValidText(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return Utf8.IsValid(reader.ValueSpan);
        }

        _ = reader.GetString();
        return true;
    }

    /// <summary>Names the property in the message only when that is safe to log and echo back.</summary>
    private static string Describe(string name) =>
        name.Length is > 0 and <= 40 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '@' or ':' or '_' or '-' or '.' or '#')
            ? $"Property \"{name}\""
            : "A property";
}
