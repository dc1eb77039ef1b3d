using System.Globalization;
using System.Net;

namespace Kindred.Server.Federation.Policy;

/// <summary>
/// What a domain block or allow names, in one normal form: a lower-case punycode host name (which covers the name and
/// every subdomain, as in Mastodon and GoToSocial), a wildcard <c>*.suffix</c> (only names under the suffix, e.g.
/// <c>*.example</c> for a whole top-level domain), or an IP literal (exactly that address; loopback test instances are
/// named so). Ports are never part of it: a block covers every port of the host.
/// </summary>
public static class DomainPattern
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    /// <summary>The normal form of <paramref name="input"/>, or null with the reason it is not a domain.</summary>
    public static (string? Domain, string? Problem) Normalize(string? input)
    {
        var text = (input ?? "").Trim().TrimEnd('.');
        if (text.Length == 0)
        {
            return (null, "Give a domain, such as social.example or *.example.");
        }

        // People paste URLs and handles; take the host, as Mastodon does for "https://host/path".
        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "https" or "http" && url.Host.Length > 0)
        {
            text = url.Host;
        }

        if (text.StartsWith('[') && text.EndsWith(']'))
        {
            text = text[1..^1];
        }

        if (IPAddress.TryParse(text, out var ip) && (text.Contains('.', StringComparison.Ordinal) || text.Contains(':', StringComparison.Ordinal)))
        {
            return (ip.ToString(), null);
        }

        var wildcard = text.StartsWith("*.", StringComparison.Ordinal);
        var name = wildcard ? text[2..] : text;
        if (name.Length == 0 || name.Contains('*', StringComparison.Ordinal))
        {
            return (null, $"'{input}' is not a domain: a wildcard may only start it, as in *.example.");
        }

        string ascii;
        try
        {
            ascii = Idn.GetAscii(name).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return (null, $"'{input}' is not a domain name.");
        }

        if (ascii.Length > 253 || ascii.Split('.').Any(l => l.Length is 0 or > 63))
        {
            return (null, $"'{input}' is not a domain name.");
        }

        // A bare top-level name (e.g. "example") would cover a whole TLD without saying so; ask for *.example instead.
        if (!wildcard && !ascii.Contains('.', StringComparison.Ordinal))
        {
            return (null, $"'{input}' has no dot; to cover a whole top-level domain write *.{ascii}.");
        }

        return (wildcard ? "*." + ascii : ascii, null);
    }

    /// <summary>The host part of a remote authority or URL host, lower case, without port or brackets.</summary>
    public static string HostOf(string authorityOrHost)
    {
        var s = authorityOrHost.Trim().ToLowerInvariant();
        if (s.StartsWith('['))
        {
            var end = s.IndexOf(']', StringComparison.Ordinal);
            return end > 0 ? s[1..end] : s;
        }

        var colon = s.IndexOf(':', StringComparison.Ordinal);
        // More than one colon without brackets: an IPv6 literal, not host:port.
        return colon >= 0 && s.IndexOf(':', colon + 1) < 0 ? s[..colon] : s.TrimEnd('.');
    }

    public static bool IsIp(string host) => IPAddress.TryParse(host, out _) && (host.Contains('.', StringComparison.Ordinal) || host.Contains(':', StringComparison.Ordinal));
}
