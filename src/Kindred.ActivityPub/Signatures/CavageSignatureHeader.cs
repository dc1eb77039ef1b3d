using System.Globalization;
using System.Text;

namespace Kindred.ActivityPub.Signatures;

/// <summary>
/// The parameters of a draft-cavage-http-signatures-12 signature (§2.1), from either the
/// <c>Signature</c> header (§4) or <c>Authorization: Signature ...</c> (§3).
/// </summary>
public sealed record CavageSignatureHeader
{
    public required string KeyId { get; init; }

    /// <summary>The <c>algorithm</c> parameter, lower-cased; null when absent (§2.1.3 says derive it from the key).</summary>
    public string? Algorithm { get; init; }

    /// <summary>Lower-cased header names in signing order (§2.1.6). Defaults to <c>date</c> when the
    /// parameter is absent: cavage-12 says <c>(created)</c>, but earlier drafts, Mastodon and the
    /// Appendix C.1 vector use <c>date</c>, and under our coverage policy such a signature fails anyway.</summary>
    public required IReadOnlyList<string> Headers { get; init; }

    public required byte[] Signature { get; init; }

    /// <summary>§2.1.4 <c>created</c> (Unix seconds).</summary>
    public long? Created { get; init; }

    /// <summary>§2.1.5 <c>expires</c> (Unix seconds; may be a decimal, truncated here).</summary>
    public long? Expires { get; init; }

    /// <summary>Finds and parses the signature on a request: the <c>Signature</c> header, else an
    /// <c>Authorization</c> header using the <c>Signature</c> scheme. Null when neither is present.</summary>
    /// <exception cref="FormatException">The header is present but malformed.</exception>
    public static CavageSignatureHeader? FromRequest(SignableRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var signature = request.Headers.GetAll("Signature");
        if (signature.Count > 1)
        {
            throw new FormatException("More than one Signature header.");
        }

        if (signature.Count == 1)
        {
            return Parse(signature[0]);
        }

        var authorization = request.Headers.GetFirst("Authorization");
        if (authorization is not null && authorization.StartsWith("Signature ", StringComparison.OrdinalIgnoreCase))
        {
            return Parse(authorization["Signature ".Length..]);
        }

        return null;
    }

    /// <summary>Parses <c>keyId="...",algorithm="...",headers="...",signature="..."</c>. Tolerates
    /// whitespace and folding between parameters, commas inside quoted values, unquoted numbers for
    /// created/expires, and ignores unknown parameters; rejects duplicates (an attacker could otherwise
    /// make two parsers disagree about what was signed).</summary>
    public static CavageSignatureHeader Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 16 * 1024)
        {
            throw new FormatException("Signature header too long.");
        }

        var parameters = ParseParameters(value);
        var keyId = parameters.GetValueOrDefault("keyid");
        var signature = parameters.GetValueOrDefault("signature");
        if (string.IsNullOrWhiteSpace(keyId) || string.IsNullOrWhiteSpace(signature))
        {
            throw new FormatException("keyId and signature are required (draft-cavage-12 §2.1).");
        }

        var headers = parameters.TryGetValue("headers", out var h)
            ? h.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(x => x.ToLowerInvariant()).ToArray()
            : ["date"];
        if (headers.Length == 0)
        {
            // §2.1.6: an empty list is not allowed.
            throw new FormatException("headers parameter is empty.");
        }

        return new CavageSignatureHeader
        {
            KeyId = keyId,
            Algorithm = parameters.GetValueOrDefault("algorithm")?.ToLowerInvariant(),
            Headers = headers,
            Signature = Convert.FromBase64String(string.Concat(signature.Where(c => !char.IsWhiteSpace(c)))),
            Created = ParseSeconds(parameters.GetValueOrDefault("created")),
            Expires = ParseSeconds(parameters.GetValueOrDefault("expires")),
        };
    }

    /// <summary>Serialises as a <c>Signature</c> header value.</summary>
    public string ToHeaderValue()
    {
        var sb = new StringBuilder();
        sb.Append("keyId=").Append(Quote(KeyId));
        if (Algorithm is not null)
        {
            sb.Append(",algorithm=").Append(Quote(Algorithm));
        }

        if (Created is { } created)
        {
            sb.Append(",created=").Append(created.ToString(CultureInfo.InvariantCulture));
        }

        if (Expires is { } expires)
        {
            sb.Append(",expires=").Append(expires.ToString(CultureInfo.InvariantCulture));
        }

        sb.Append(",headers=").Append(Quote(string.Join(' ', Headers)));
        sb.Append(",signature=\"").Append(Convert.ToBase64String(Signature)).Append('"');
        return sb.ToString();
    }

    /// <summary>A quoted-string (RFC 9110 §5.6.4), escaping what <see cref="ReadQuoted"/> unescapes.</summary>
    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static Dictionary<string, string> ParseParameters(string value)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (true)
        {
            SkipSeparators(value, ref i, allowComma: result.Count > 0);
            if (i >= value.Length)
            {
                return result;
            }

            var nameStart = i;
            while (i < value.Length && value[i] != '=' && value[i] != ',' && !char.IsWhiteSpace(value[i]))
            {
                i++;
            }

            var name = value[nameStart..i].ToLowerInvariant();
            if (name.Length == 0 || i >= value.Length || value[i] != '=')
            {
                throw new FormatException($"Expected name=value at position {nameStart}.");
            }

            i++;
            var parameterValue = i < value.Length && value[i] == '"' ? ReadQuoted(value, ref i) : ReadToken(value, ref i);
            if (!result.TryAdd(name, parameterValue))
            {
                throw new FormatException($"Duplicate parameter '{name}'.");
            }
        }
    }

    private static void SkipSeparators(string s, ref int i, bool allowComma)
    {
        var sawComma = false;
        while (i < s.Length && (char.IsWhiteSpace(s[i]) || s[i] == ','))
        {
            sawComma |= s[i] == ',';
            i++;
        }

        if (allowComma && !sawComma && i < s.Length)
        {
            throw new FormatException("Parameters must be separated by commas.");
        }
    }

    private static string ReadQuoted(string s, ref int i)
    {
        i++; // opening quote
        var sb = new StringBuilder();
        while (i < s.Length)
        {
            var c = s[i++];
            if (c == '"')
            {
                return sb.ToString();
            }

            // RFC 9110 §5.6.4 quoted-pair: a backslash escapes the next character.
            if (c == '\\' && i < s.Length)
            {
                c = s[i++];
            }

            sb.Append(c);
        }

        throw new FormatException("Unterminated quoted string.");
    }

    private static string ReadToken(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && s[i] != ',' && !char.IsWhiteSpace(s[i]))
        {
            i++;
        }

        return s[start..i];
    }

    private static long? ParseSeconds(string? text)
    {
        if (text is null)
        {
            return null;
        }

        // §2.1.5 allows a decimal for expires; sub-second precision does not matter for a window check.
        var integral = text.Split('.')[0];
        return long.TryParse(integral, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : throw new FormatException("created/expires must be Unix seconds.");
    }
}
