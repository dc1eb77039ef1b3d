using System.Globalization;

namespace Kindred.ActivityPub.Signatures.StructuredFields;

/// <summary>
/// Strict RFC 8941 parser for the parts RFC 9421 and RFC 9530 need: dictionaries, inner lists, items
/// and parameters. Any deviation throws <see cref="FormatException"/>: §4.2 says a parse failure
/// makes the whole field invalid, which for signatures means "unsigned".
/// </summary>
public static class StructuredFieldParser
{
    /// <summary>Upper bound on input length; signature headers are a few kilobytes at most.</summary>
    public const int MaxLength = 16 * 1024;

    /// <summary>Parses a dictionary (RFC 8941 §4.2.2). A repeated key replaces the earlier value.</summary>
    public static IReadOnlyList<SfMember> ParseDictionary(string input)
    {
        var p = new SfCursor(input);
        var members = new List<SfMember>();
        p.SkipSp();
        while (!p.End)
        {
            var key = ParseKey(ref p);
            SfMember member;
            if (p.TryConsume('='))
            {
                member = p.Peek == '('
                    ? new SfMember(key, null, ParseInnerList(ref p))
                    : new SfMember(key, ParseItem(ref p), null);
            }
            else
            {
                member = new SfMember(key, new SfItem(true, ParseParameters(ref p)), null);
            }

            var existing = members.FindIndex(m => m.Key == key);
            if (existing >= 0)
            {
                members[existing] = member;
            }
            else
            {
                members.Add(member);
            }

            p.SkipOws();
            if (p.End)
            {
                return members;
            }

            p.Expect(',');
            p.SkipOws();
            if (p.End)
            {
                throw new FormatException("Trailing comma in dictionary.");
            }
        }

        return members;
    }

    /// <summary>Parses a single item field (RFC 8941 §4.2.3).</summary>
    public static SfItem ParseItemField(string input)
    {
        var p = new SfCursor(input);
        p.SkipSp();
        var item = ParseItem(ref p);
        p.SkipSp();
        if (!p.End)
        {
            throw new FormatException("Unexpected characters after item.");
        }

        return item;
    }

    private static SfInnerList ParseInnerList(ref SfCursor p)
    {
        p.Expect('(');
        var items = new List<SfItem>();
        while (!p.End)
        {
            p.SkipSp();
            if (p.TryConsume(')'))
            {
                return new SfInnerList(items, ParseParameters(ref p));
            }

            items.Add(ParseItem(ref p));
            if (p.Peek != ' ' && p.Peek != ')')
            {
                throw new FormatException("Inner list items must be separated by spaces.");
            }
        }

        throw new FormatException("Unterminated inner list.");
    }

    private static SfItem ParseItem(ref SfCursor p) => new(ParseBareItem(ref p), ParseParameters(ref p));

    private static SfParameters ParseParameters(ref SfCursor p)
    {
        var parameters = new SfParameters();
        while (p.TryConsume(';'))
        {
            p.SkipSp();
            var key = ParseKey(ref p);
            object value = p.TryConsume('=') ? ParseBareItem(ref p) : true;
            parameters.Set(key, value);
        }

        return parameters;
    }

    private static string ParseKey(ref SfCursor p)
    {
        var start = p.Position;
        if (p.End || !(IsLcAlpha(p.Peek) || p.Peek == '*'))
        {
            throw new FormatException("Invalid key.");
        }

        while (!p.End && (IsLcAlpha(p.Peek) || char.IsAsciiDigit(p.Peek) || p.Peek is '_' or '-' or '.' or '*'))
        {
            p.Advance();
        }

        return p.Slice(start);
    }

    private static object ParseBareItem(ref SfCursor p)
    {
        if (p.End)
        {
            throw new FormatException("Missing value.");
        }

        var c = p.Peek;
        if (c == '-' || char.IsAsciiDigit(c))
        {
            return ParseNumber(ref p);
        }

        return c switch
        {
            '"' => ParseString(ref p),
            ':' => ParseByteSequence(ref p),
            '?' => ParseBoolean(ref p),
            _ when c == '*' || char.IsAsciiLetter(c) => ParseToken(ref p),
            _ => throw new FormatException($"Unexpected character '{c}'."),
        };
    }

    private static object ParseNumber(ref SfCursor p)
    {
        var start = p.Position;
        p.TryConsume('-');
        var digitsStart = p.Position;
        var isDecimal = false;
        while (!p.End && (char.IsAsciiDigit(p.Peek) || (p.Peek == '.' && !isDecimal)))
        {
            isDecimal |= p.Peek == '.';
            p.Advance();
        }

        var digits = p.Slice(digitsStart);
        var text = p.Slice(start);
        if (digits.Length == 0 || (!isDecimal && digits.Length > 15))
        {
            throw new FormatException("Invalid integer.");
        }

        if (!isDecimal)
        {
            return long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        var dot = digits.IndexOf('.', StringComparison.Ordinal);
        if (dot == 0 || dot > 12 || digits.Length - dot - 1 is < 1 or > 3)
        {
            throw new FormatException("Invalid decimal.");
        }

        return decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
    }

    private static string ParseString(ref SfCursor p)
    {
        p.Expect('"');
        var sb = new System.Text.StringBuilder();
        while (!p.End)
        {
            var c = p.Next();
            if (c == '\\')
            {
                if (p.End || p.Peek is not ('"' or '\\'))
                {
                    throw new FormatException("Invalid escape in string.");
                }

                sb.Append(p.Next());
            }
            else if (c == '"')
            {
                return sb.ToString();
            }
            else if (c is < ' ' or > '~')
            {
                throw new FormatException("Invalid character in string.");
            }
            else
            {
                sb.Append(c);
            }
        }

        throw new FormatException("Unterminated string.");
    }

    private static SfToken ParseToken(ref SfCursor p)
    {
        var start = p.Position;
        p.Advance();
        while (!p.End && (IsTChar(p.Peek) || p.Peek is ':' or '/'))
        {
            p.Advance();
        }

        return new SfToken(p.Slice(start));
    }

    private static byte[] ParseByteSequence(ref SfCursor p)
    {
        p.Expect(':');
        var start = p.Position;
        while (!p.End && p.Peek != ':')
        {
            if (!(char.IsAsciiLetterOrDigit(p.Peek) || p.Peek is '+' or '/' or '='))
            {
                throw new FormatException("Invalid character in byte sequence.");
            }

            p.Advance();
        }

        var b64 = p.Slice(start);
        p.Expect(':');
        return Convert.FromBase64String(b64);
    }

    private static bool ParseBoolean(ref SfCursor p)
    {
        p.Expect('?');
        return p.End ? throw new FormatException("Invalid boolean.") : p.Next() switch
        {
            '1' => true,
            '0' => false,
            _ => throw new FormatException("Invalid boolean."),
        };
    }

    private static bool IsLcAlpha(char c) => c is >= 'a' and <= 'z';

    // RFC 9110 §5.6.2 tchar.
    private static bool IsTChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
