namespace Kindred.ActivityPub.Signatures;

/// <summary>
/// The parts of an HTTP request that signatures cover, independent of ASP.NET or HttpClient.
/// The server copies them in from <c>HttpRequest</c> (inbound) or <c>HttpRequestMessage</c> (outbound).
/// </summary>
public sealed class SignableRequest
{
    /// <param name="method">HTTP method, e.g. "POST" (case is preserved; cavage lower-cases it, RFC 9421 does not).</param>
    /// <param name="target">Request target exactly as sent on the request line: absolute path plus
    /// query, e.g. <c>/inbox?x=1</c> (RFC 9112 §3.2.1 origin-form).</param>
    /// <param name="headers">Header fields; include <c>Host</c>.</param>
    /// <param name="body">Body bytes exactly as received or to be sent (needed for digests).</param>
    /// <param name="scheme">"https" (default) or "http"; used by RFC 9421 <c>@scheme</c> and <c>@target-uri</c>.</param>
    public SignableRequest(string method, string target, HeaderCollection headers, ReadOnlyMemory<byte> body = default, string scheme = "https")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentException.ThrowIfNullOrEmpty(target);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentException.ThrowIfNullOrWhiteSpace(scheme);
        if (target[0] != '/')
        {
            throw new ArgumentException("The request target must be in origin-form (start with '/').", nameof(target));
        }

        Method = method;
        Target = target;
        Headers = headers;
        Body = body;
        Scheme = scheme.ToLowerInvariant();
    }

    public string Method { get; }

    /// <summary>Path and query as sent, e.g. <c>/users/alice/inbox?page=2</c>.</summary>
    public string Target { get; }

    public HeaderCollection Headers { get; }

    public ReadOnlyMemory<byte> Body { get; }

    public string Scheme { get; }

    /// <summary>The Host header (RFC 9110 §7.2), lower-cased; null when missing.</summary>
    public string? Authority => Headers.GetCombined("Host")?.ToLowerInvariant();

    /// <summary>Path part of <see cref="Target"/> (before '?').</summary>
    public string Path => Target.IndexOf('?', StringComparison.Ordinal) is var i and >= 0 ? Target[..i] : Target;

    /// <summary>Query part of <see cref="Target"/> including the leading '?', or "?" when there is none
    /// (RFC 9421 §2.2.7 says an absent query is signed as "?").</summary>
    public string Query => Target.IndexOf('?', StringComparison.Ordinal) is var i and >= 0 ? Target[i..] : "?";

    /// <summary>True when the request carries, or by its method should carry, content that must be
    /// protected by a digest.</summary>
    public bool CarriesBody =>
        !Body.IsEmpty
        || Method.Equals("POST", StringComparison.OrdinalIgnoreCase)
        || Method.Equals("PUT", StringComparison.OrdinalIgnoreCase)
        || Method.Equals("PATCH", StringComparison.OrdinalIgnoreCase);

    /// <summary>Convenience for POSTing a body to a URL.</summary>
    public static SignableRequest Create(string method, Uri url, ReadOnlyMemory<byte> body = default, string? contentType = null, string? accept = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri)
        {
            throw new ArgumentException("An absolute URL is required.", nameof(url));
        }

        var headers = new HeaderCollection();
        headers.Add("Host", url.IsDefaultPort ? url.IdnHost : $"{url.IdnHost}:{url.Port}");
        if (contentType is not null)
        {
            headers.Add("Content-Type", contentType);
        }

        if (accept is not null)
        {
            headers.Add("Accept", accept);
        }

        return new SignableRequest(method, url.PathAndQuery, headers, body, url.Scheme);
    }
}
