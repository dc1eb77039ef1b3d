using System.Net;
using Kindred.ActivityPub;
using Kindred.ActivityPub.Signatures;
using Kindred.Server.Federation.Keys;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Resolution;

/// <summary>
/// The body of a successful fetch, the URL it finally came from (after same-origin redirects) and its
/// <c>Content-Type</c> as parsed by the HTTP stack (null when the server sent none).
/// </summary>
public sealed record FetchResult(Uri Url, byte[] Body, System.Net.Http.Headers.MediaTypeHeaderValue? ContentType)
{
    public string? MediaType => ContentType?.MediaType;
}

/// <summary>
/// The one HTTP GET to other servers: signed with the instance actor (draft-cavage, so authorized-fetch servers
/// answer), asking for AS2, following at most <see cref="MaxRedirects"/> redirects and only within the requested
/// origin, reading at most <see cref="FederationOptions.MaxFetchBytes"/>, within a timeout. Connections go through
/// the <see cref="SsrfGuard"/> configured on the named client <see cref="ClientName"/>.
/// </summary>
public sealed class RemoteFetcher(IHttpClientFactory clients, ActorKeys keys, ActorUrls urls, CavageSigner signer, IOptions<FederationOptions> options,
    Policy.FederationPolicy policy)
{
    public const string ClientName = "kindred-federation";
    public const int MaxRedirects = 3;
    public const string AcceptActivityStreams = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

    public async Task<FetchResult> GetAsync(Uri url, CancellationToken ct, string accept = AcceptActivityStreams)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || url.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(url.UserInfo))
        {
            throw new ResolutionException(ResolutionFailure.Invalid, $"Not a fetchable URL: {url}");
        }

        // Federation policy (issue 13): nothing is fetched from a suspended or (in allowlist mode) unlisted server.
        if (await policy.DecideAsync(url, ct) is { Refused: true } refused)
        {
            throw new ResolutionException(ResolutionFailure.Refused, $"{url.IdnHost}: {refused.Reason} (federation policy).");
        }

        var o = options.Value;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(o.FetchTimeoutSeconds));
        var client = clients.CreateClient(ClientName);
        var current = new Uri(url.GetLeftPart(UriPartial.Query));
        try
        {
            for (var hop = 0; ; hop++)
            {
                using var request = await SignedGetAsync(current, accept, timeout.Token);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                if (IsRedirect(response.StatusCode))
                {
                    var location = response.Headers.Location;
                    if (location is null || hop >= MaxRedirects)
                    {
                        throw new ResolutionException(ResolutionFailure.TooManyRedirects, $"Too many or empty redirects fetching {url}.");
                    }

                    var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                    // An object is only authoritative on its own origin (FEP-fe34): never follow a redirect elsewhere.
                    if (!Origins.SameOrigin(next, url))
                    {
                        throw new ResolutionException(ResolutionFailure.CrossOriginRedirect, $"{url} redirected to another origin.");
                    }

                    current = next;
                    continue;
                }

                if (response.StatusCode is HttpStatusCode.Gone or HttpStatusCode.NotFound)
                {
                    throw new ResolutionException(ResolutionFailure.Gone, $"{url} answered {(int)response.StatusCode}.", response.StatusCode);
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw new ResolutionException(ResolutionFailure.HttpError, $"{url} answered {(int)response.StatusCode}.", response.StatusCode);
                }

                var body = await ReadCappedAsync(response, o.MaxFetchBytes, timeout.Token);
                return new FetchResult(current, body, response.Content.Headers.ContentType);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ResolutionException(ResolutionFailure.Timeout, $"Fetching {url} timed out.");
        }
        catch (HttpRequestException ex) when (FindGuardRefusal(ex) is { } refusal)
        {
            throw new ResolutionException(ResolutionFailure.Refused, refusal.Message, inner: ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ResolutionException(ResolutionFailure.Network, $"Fetching {url} failed: {ex.Message}", inner: ex);
        }
    }

    private async Task<HttpRequestMessage> SignedGetAsync(Uri url, string accept, CancellationToken ct)
    {
        var key = await keys.GetSigningKeyAsync(urls.InstanceActor.AbsoluteUri, ct);
        var signable = SignableRequest.Create("GET", url, accept: accept);
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        foreach (var (name, value) in signer.Sign(signable, key))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    private static async Task<byte[]> ReadCappedAsync(HttpResponseMessage response, int max, CancellationToken ct)
    {
        if (response.Content.Headers.ContentLength > max)
        {
            throw new ResolutionException(ResolutionFailure.TooLarge, $"Response of {response.Content.Headers.ContentLength} bytes exceeds {max}.");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max)
            {
                throw new ResolutionException(ResolutionFailure.TooLarge, $"Response exceeds {max} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static SsrfRefusedException? FindGuardRefusal(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is SsrfRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }
}
