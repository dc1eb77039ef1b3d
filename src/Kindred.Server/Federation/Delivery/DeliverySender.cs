using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures;

using Kindred.Server.Federation.Resolution;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Delivery;

/// <summary>The result of one attempt to POST a job.</summary>
public sealed record AttemptResult(AttemptKind Kind, int? Status, string? Error, RetryConditionHeaderValue? RetryAfter = null);

/// <summary>
/// Signs and POSTs one job: draft-cavage-http-signatures-12 with rsa-sha256 over
/// <c>(request-target) host date digest content-type</c>, which is what Mastodon, Lemmy, Mbin, PieFed, NodeBB,
/// GoToSocial and Fedify all verify. The body is sent byte for byte as queued, so the Digest matches.
/// </summary>
public sealed class DeliverySender(IHttpClientFactory clients, DeliveryKeySource keys, CavageSigner signer, Policy.FederationPolicy policy)
{
    public const string HttpClientName = "kindred-delivery";

    /// <summary>ActivityPub §7: POST with the ActivityStreams media type; every implementation accepts this form.</summary>
    public const string ContentType = "application/activity+json";

    public async Task<AttemptResult> SendAsync(ClaimedJob job, CancellationToken ct)
    {
        if (!Uri.TryCreate(job.InboxUrl, UriKind.Absolute, out var url))
        {
            return new AttemptResult(AttemptKind.Refused, null, "The inbox address is not a valid URL.");
        }

        // Federation policy (issue 13): a job for a server suspended (or unlisted in allowlist mode) since it was queued
        // ends here, not retried.
        if (await policy.DecideAsync(url, ct) is { Refused: true } cut)
        {
            return new AttemptResult(AttemptKind.Refused, null, $"Cancelled: {cut.Reason} (federation policy).");
        }

        SigningKey key;
        try
        {
            key = await keys.GetSigningKeyAsync(job.ActorId, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new AttemptResult(AttemptKind.LocalError, null, "No signing key: " + ex.Message);
        }

        var body = Encoding.UTF8.GetBytes(job.Body);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        foreach (var (name, value) in signer.Sign(SignableRequest.Create("POST", url, body, ContentType), key))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var client = clients.CreateClient(HttpClientName);
        try
        {
            // Headers are enough; the body of an inbox's answer is not needed (and is drained for connection reuse).
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            var kind = RetryPolicy.Classify(status);
            return new AttemptResult(kind, status, kind == AttemptKind.Delivered ? null : $"HTTP {status} {response.ReasonPhrase}".TrimEnd(), response.Headers.RetryAfter);
        }
        catch (HttpRequestException ex) when (FindInner<SsrfRefusedException>(ex) is { } refused)
        {
            return new AttemptResult(AttemptKind.Refused, null, refused.Message);
        }
        catch (HttpRequestException ex)
        {
            return new AttemptResult(AttemptKind.Unavailable, null, Describe(ex));
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new AttemptResult(AttemptKind.Unavailable, null, "Timed out");
        }
    }

    private static string Describe(HttpRequestException ex) => ex.HttpRequestError switch
    {
        HttpRequestError.ConnectionError => "Could not connect: " + (ex.InnerException?.Message ?? ex.Message),
        HttpRequestError.NameResolutionError => "Host name not found",
        HttpRequestError.SecureConnectionError => "TLS failed: " + (ex.InnerException?.Message ?? ex.Message),
        _ => ex.Message,
    };

    private static T? FindInner<T>(Exception ex) where T : Exception
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>
    /// The connection handler: pooled keep-alive connections per host (reused across jobs; this is most of the cost
    /// saving), bounded per host, HTTP/2 where TLS negotiates it, no redirects, and the SSRF guard on connect.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(DeliveryOptions o, bool allowPrivateAddresses, DeliveryNameResolver resolver) => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(10), // pick up DNS changes eventually
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        MaxConnectionsPerServer = o.MaxConcurrencyPerHost,
        EnableMultipleHttp2Connections = true,
        ConnectTimeout = o.ConnectTimeout,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.All,
        ConnectCallback = SsrfGuard.ConnectCallback(allowPrivateAddresses ? _ => true : a => !SsrfGuard.IsForbidden(a), resolver.ResolveAsync),
    };
}
