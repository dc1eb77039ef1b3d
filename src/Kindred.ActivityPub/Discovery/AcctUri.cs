using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Kindred.ActivityPub.Discovery;

/// <summary>
/// An <c>acct:</c> URI (RFC 7565) as used by WebFinger (RFC 7033 §4.5): <c>acct:user@host</c>.
/// Parsed from <c>acct:name@host</c>, <c>name@host</c> or <c>@name@host</c>; the host may carry a
/// port. User and host are normalised to lower case (hosts are case-insensitive, RFC 3986 §3.2.2;
/// fediverse usernames are treated case-insensitively by Mastodon and others).
/// </summary>
public sealed record AcctUri
{
    private AcctUri(string user, string host)
    {
        User = user;
        Host = host;
    }

    public string User { get; }

    /// <summary>Host, with ":port" when one was given.</summary>
    public string Host { get; }

    public override string ToString() => $"acct:{User}@{Host}";

    /// <summary>"user@host", the handle form without a scheme.</summary>
    public string Handle => $"{User}@{Host}";

    public static AcctUri Parse(string text) =>
        TryParse(text, out var acct) ? acct : throw new FormatException($"'{text}' is not an acct: URI.");

    public static bool TryParse(string? text, [NotNullWhen(true)] out AcctUri? acct)
    {
        acct = null;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 512)
        {
            return false;
        }

        var s = text.Trim();
        if (s.StartsWith("acct:", StringComparison.OrdinalIgnoreCase))
        {
            s = s[5..];
        }
        else if (s.StartsWith('@'))
        {
            s = s[1..];
        }

        // The last '@' separates the host: RFC 7565 userpart may contain percent-encoded '@'.
        var at = s.LastIndexOf('@');
        if (at <= 0 || at == s.Length - 1)
        {
            return false;
        }

        var user = Uri.UnescapeDataString(s[..at]);
        var host = s[(at + 1)..];
        if (!IsValidUser(user) || !TryNormaliseHost(host, out var normalisedHost))
        {
            return false;
        }

        acct = new AcctUri(user.ToLowerInvariant(), normalisedHost);
        return true;
    }

    /// <summary>Conservative: the characters fediverse usernames use. Rejects '@', '/', whitespace,
    /// control characters and anything that could smuggle a path or a second host.</summary>
    private static bool IsValidUser(string user) =>
        user.Length is > 0 and <= 255 && user.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '~' or '+');

    private static bool TryNormaliseHost(string host, out string normalised)
    {
        normalised = "";
        var port = "";
        var colon = host.LastIndexOf(':');
        if (colon >= 0 && !host.EndsWith(']'))
        {
            port = host[(colon + 1)..];
            host = host[..colon];
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                return false;
            }

            port = ":" + p.ToString(CultureInfo.InvariantCulture);
        }

        if (Uri.CheckHostName(host) is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6) || host.EndsWith('.'))
        {
            return false;
        }

        // IDNs are compared in their ASCII (punycode) form.
        var ascii = host.StartsWith('[') ? host : new IdnMapping().GetAscii(host);
        normalised = ascii.ToLowerInvariant() + port;
        return true;
    }
}
