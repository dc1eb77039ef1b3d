using Kindred.ActivityPub.Discovery;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Resolution;

/// <summary>
/// Looks up <c>acct:name@host</c> with WebFinger (RFC 7033 §4) and returns the ActivityPub actor id from the JRD's
/// <c>self</c> link. The request goes through <see cref="RemoteFetcher"/>, so it is signed, size- and time-bounded and
/// passes the SSRF guard. WebFinger is https only (RFC 7033 §4); plain http is used only when
/// <see cref="FederationOptions.AllowPrivateAddresses"/> is on (tests and local trials on loopback).
/// </summary>
public sealed class WebFingerClient(RemoteFetcher fetcher, ActorUrls urls, IOptions<FederationOptions> options)
{
    private const string AcceptJrd = "application/jrd+json, application/json;q=0.9";

    /// <exception cref="ResolutionException">Unknown (Gone), unreachable, refused, or no usable self link (Invalid).</exception>
    public async Task<Uri> ResolveAsync(AcctUri acct, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(acct);
        if (string.Equals(acct.Host, urls.Authority, StringComparison.OrdinalIgnoreCase))
        {
            throw new ResolutionException(ResolutionFailure.Invalid, "That address is on this server.");
        }

        var scheme = options.Value.AllowPrivateAddresses ? "http" : "https";
        var url = new Uri($"{scheme}://{acct.Host}/.well-known/webfinger?resource={Uri.EscapeDataString(acct.ToString())}");
        var fetched = await fetcher.GetAsync(url, ct, AcceptJrd);
        Jrd jrd;
        try
        {
            jrd = Jrd.Parse(fetched.Body);
        }
        catch (FormatException ex)
        {
            throw new ResolutionException(ResolutionFailure.Invalid, $"{acct.Host} answered WebFinger with something that is not a JRD.", inner: ex);
        }

        return jrd.ActorId ?? throw new ResolutionException(ResolutionFailure.Invalid, $"{acct} has no ActivityPub actor.");
    }
}
