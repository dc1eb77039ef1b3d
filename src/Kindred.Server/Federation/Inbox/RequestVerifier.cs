using System.Collections.Concurrent;
using Kindred.ActivityPub.Signatures;
using Kindred.Server.Federation.Resolution;
using Microsoft.AspNetCore.Http.Features;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox;

/// <summary>Who signed a request: the key and the actor that owns it (as its own origin says).</summary>
public sealed record VerifiedSigner(Uri Owner, string KeyId);

/// <summary>
/// Checks the HTTP signature of an incoming request (draft-cavage rsa-sha256/hs2019 with RSA or Ed25519 keys, or
/// RFC 9421) with the library's verifier: covered components, Digest/Content-Digest against the body, and the
/// replay window on Date/created. The request must be addressed to this instance: the <c>Host</c> it carries, which
/// the cavage <c>host</c> header and the RFC 9421 <c>@authority</c> and <c>@target-uri</c> components are computed
/// from, must be the host of <c>Kindred:PublicUrl</c> (behind a trusted proxy, the forwarded host, which
/// ForwardedHeaders accepts only when it is that host). Every Kindred inbox has the same paths, so without this a
/// delivery signed for another server could be replayed here within the time window. The key is fetched from its own origin by <see cref="ActorResolver"/>. When a
/// cached key fails, it is fetched again once (the actor may have rotated it), at most once a minute per key so
/// bad signatures cannot make us hammer a third party.
/// </summary>
public sealed class RequestVerifier(HttpSignatureVerifier verifier, ActorResolver resolver, ActorUrls urls, TimeProvider time, ILogger<RequestVerifier> logger)
{
    private static readonly TimeSpan RefetchCooldown = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _refetched = new();

    /// <summary>The request as the signature library sees it: method, target as sent, every header line, body.</summary>
    public static SignableRequest ToSignable(HttpRequest request, ReadOnlyMemory<byte> body)
    {
        var headers = new HeaderCollection();
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                headers.Add(name, value ?? "");
            }
        }

        if (!headers.Contains("Host"))
        {
            headers.Add("Host", request.Host.Value ?? "");
        }

        var target = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target) || target[0] != '/')
        {
            target = request.Path.Value + request.QueryString.Value;
        }

        return new SignableRequest(request.Method, target, headers, body, request.Scheme);
    }

    /// <summary>Reads the key id, or null when the request carries no readable signature.</summary>
    public static SignatureKeyReference? ReadKeyId(SignableRequest request) => HttpSignatureVerifier.ReadKeyId(request);

    /// <summary>The verified signer, or null with a reason (safe to log and to return to the sender).</summary>
    public async Task<(VerifiedSigner? Signer, string? Problem)> VerifyAsync(SignableRequest request, CancellationToken ct)
    {
        if (ReadKeyId(request) is not { } reference)
        {
            return (null, "The request is not signed.");
        }

        if (OtherHost(request) is { } other)
        {
            return (null, other);
        }

        RemoteKey key;
        try
        {
            key = await resolver.GetKeyAsync(reference.KeyId, refresh: false, ct);
        }
        catch (ResolutionException ex)
        {
            logger.LogInformation("Signature key {KeyId} unavailable: {Reason}", reference.KeyId, ex.Message);
            return (null, "The signing key could not be fetched from its origin.");
        }

        var result = verifier.Verify(request, key.Key);
        if (!result.IsValid && key.FromCache && result.Failure == SignatureFailure.InvalidSignature && MayRefetch(reference.KeyId))
        {
            try
            {
                key = await resolver.GetKeyAsync(reference.KeyId, refresh: true, ct);
                result = verifier.Verify(request, key.Key);
            }
            catch (ResolutionException ex)
            {
                logger.LogInformation("Refetching key {KeyId} failed: {Reason}", reference.KeyId, ex.Message);
            }
        }

        return VerifyResult(result, key);
    }

    /// <summary>Verifies with a key we already know, never fetching (Delete of an actor that is gone).</summary>
    public async Task<(VerifiedSigner? Signer, string? Problem)> VerifyWithCachedKeyAsync(SignableRequest request, CancellationToken ct)
    {
        if (OtherHost(request) is { } other)
        {
            return (null, other);
        }

        if (ReadKeyId(request) is not { } reference || await resolver.GetCachedKeyAsync(reference.KeyId, ct) is not { } cached)
        {
            return (null, "No cached key.");
        }

        return VerifyResult(verifier.Verify(request, cached.Key.Key), cached.Key);
    }

    /// <summary>
    /// An actor deleted itself (a verified Delete): its keys are revoked now, not when the worker gets to the Delete,
    /// so nothing more verifies with them in between.
    /// </summary>
    public Task RevokeActorAsync(Uri actor, CancellationToken ct) => resolver.ForgetActorAsync(actor, ct);

    private (VerifiedSigner?, string?) VerifyResult(SignatureVerificationResult result, RemoteKey key)
    {
        if (!result.IsValid)
        {
            logger.LogInformation("Signature by {KeyId} refused: {Failure} {Message}", key.KeyId, result.Failure, result.Message);
            return (null, $"Signature refused: {result.Failure}.");
        }

        return (new VerifiedSigner(key.Owner, key.KeyId), null);
    }

    /// <summary>Null when the request's Host is this instance's public host (explicit default port allowed), else why not.</summary>
    private string? OtherHost(SignableRequest request)
    {
        var origin = urls.Origin;
        var host = request.Headers.GetCombined("Host");
        if (!string.IsNullOrEmpty(host) && !host.Contains(',', StringComparison.Ordinal))
        {
            var parsed = HostString.FromUriComponent(host);
            if (string.Equals(parsed.Host, origin.IdnHost, StringComparison.OrdinalIgnoreCase) && (parsed.Port ?? DefaultPort(origin.Scheme)) == origin.Port)
            {
                return null;
            }
        }

        logger.LogInformation("Signed request for host {Host} refused: this instance is {Authority}", host, urls.Authority);
        return $"The request is addressed to {host}, not to this instance ({urls.Authority}).";

        static int DefaultPort(string scheme) => scheme == "https" ? 443 : 80;
    }

    private bool MayRefetch(string keyId)
    {
        var now = time.GetUtcNow();
        if (_refetched.TryGetValue(keyId, out var last) && now - last < RefetchCooldown)
        {
            return false;
        }

        _refetched[keyId] = now;
        if (_refetched.Count > 10_000)
        {
            _refetched.Clear();
        }

        return true;
    }
}
