namespace Kindred.ActivityPub;

/// <summary>Origin-based security checks (FEP-fe34).</summary>
public static class Origins
{
    /// <summary>
    /// True when both URIs have the same origin: scheme, host and port (RFC 6454 §4), compared
    /// case-insensitively, with default ports made explicit. FEP-fe34 uses this to decide whether a
    /// key may speak for an actor, or an actor for an object, without fetching anything.
    /// Relative URIs never share an origin with anything.
    /// </summary>
    public static bool SameOrigin(Uri a, Uri b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.IsAbsoluteUri || !b.IsAbsoluteUri)
        {
            return false;
        }

        // Only http(s) identifiers carry a web origin; anything else (urn:, did:, acct:) is opaque
        // per RFC 6454 §4 step 1, so it is never "same origin". The schemes must be equal, so checking
        // one of them is enough.
        return IsHttp(a)
            && string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
            && a.Port == b.Port;
    }

    /// <summary>String overload; false when either is not an absolute URI.</summary>
    public static bool SameOrigin(string a, string b) =>
        Uri.TryCreate(a, UriKind.Absolute, out var ua)
        && Uri.TryCreate(b, UriKind.Absolute, out var ub)
        && SameOrigin(ua, ub);

    private static bool IsHttp(Uri u) =>
        u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp;
}
