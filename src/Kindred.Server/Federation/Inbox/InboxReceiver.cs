using System.Security.Cryptography;
using Kindred.ActivityPub;
using Kindred.ActivityPub.Vocabulary;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox;

/// <summary>
/// The inbox request itself, and nothing more (no domain work): bound the body, check the signature and that the
/// signer may speak for the activity's actor, hold the sender to its allowance (<see cref="InboxLimits"/>), store
/// the raw activity when it concerns someone here (<see cref="InboxRelevance"/>), answer 202 and wake the worker.
/// Unsigned or invalid signatures: 401. Malformed JSON (invalid UTF-8, unpaired surrogates, duplicate properties) or not
/// an activity: 400. Too large: 413. Over the sender's allowance: 429 with Retry-After. Concerning no one here: 202, not stored.
/// </summary>
public sealed class InboxReceiver(RequestVerifier verifier, InboxStore store, InboxSignal signal, InboxLimits limits, InboxRelevance relevance,
    ActorUrls urls, IOptions<FederationOptions> options, ILogger<InboxReceiver> logger, Policy.FederationPolicy policy, DroppedActivities dropped)
{
    private readonly ActivityStreamsParser _parser = new(new ActivityStreamsParserOptions { MaxDepth = 32, MaxBytes = options.Value.MaxInboxBodyBytes });

    public async Task<IResult> ReceiveAsync(HttpContext http)
    {
        var max = options.Value.MaxInboxBodyBytes;
        var ct = http.RequestAborted;
        if (http.Request.ContentLength > max)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "The activity is too large.");
        }

        var (body, refused) = await ReadCappedAsync(http.Request.Body, max, ct);
        if (body is null)
        {
            return refused == StatusCodes.Status413PayloadTooLarge
                ? Problem(StatusCodes.Status413PayloadTooLarge, "The activity is too large.")
                : Problem(StatusCodes.Status400BadRequest, "The request body could not be read.");
        }

        var signable = RequestVerifier.ToSignable(http.Request, body);
        if (RequestVerifier.ReadKeyId(signable) is null)
        {
            return Problem(StatusCodes.Status401Unauthorized, "Inbox requests must carry an HTTP signature.");
        }

        AsActivity activity;
        try
        {
            activity = _parser.ParseActivity(body);
        }
        catch (ActivityStreamsParseException ex)
        {
            // Hostile or broken bodies (invalid JSON or UTF-8, unpaired surrogates, duplicate properties, too deep):
            // one short line each, no stack trace, however many arrive.
            logger.LogInformation("Inbox refused a body from {Remote}: {Reason}", http.Connection.RemoteIpAddress, ex.Reason);
            return Problem(StatusCodes.Status400BadRequest, "Not an ActivityStreams activity: " + ex.Message);
        }

        if (activity.Actor is not { } actor || actor.Scheme is not ("https" or "http") || urls.IsLocal(actor))
        {
            return Problem(StatusCodes.Status400BadRequest, "The activity has no usable remote actor.");
        }

        // FEP-fe34: an activity's id lives on its actor's origin.
        if (activity.Id is { } id && !Origins.SameOrigin(id, actor))
        {
            return Problem(StatusCodes.Status400BadRequest, "The activity id and its actor are on different origins.");
        }

        // Federation policy (issue 13): a suspended or (in allowlist mode) unlisted server is refused before anything is
        // verified or stored, so no signature key is fetched from it. Both the actor's and the key's host count.
        if (await RefusedAsync(actor, RequestVerifier.ReadKeyId(signable)?.KeyId, ct) is { } refusal)
        {
            if (limits.TryAcquire(actor) is null)
            {
                await dropped.RecordAsync(actor, activity, refusal, ct);
            }

            return Problem(StatusCodes.Status403Forbidden, "This instance does not federate with your server.");
        }

        // Delete of an actor by itself: the actor is usually gone (410), so fetching its key would fail. Accept it
        // only with a key we already hold; otherwise there is nothing of theirs we keep, so drop it quietly.
        var selfDelete = activity.HasType("Delete") && activity.Object?.Id == actor;
        var (signer, problem) = selfDelete
            ? await verifier.VerifyWithCachedKeyAsync(signable, ct)
            : await verifier.VerifyAsync(signable, ct);
        if (signer is null)
        {
            if (selfDelete)
            {
                logger.LogDebug("Dropped Delete of {Actor}: no valid cached key", actor);
                return TypedResults.Accepted((string?)null);
            }

            return Problem(StatusCodes.Status401Unauthorized, problem ?? "Invalid signature.");
        }

        // FEP-fe34: the key's owner must be the actor, or at least share its origin (e.g. an instance actor relaying).
        if (signer.Owner != actor && !Origins.SameOrigin(signer.Owner, actor))
        {
            return Problem(StatusCodes.Status401Unauthorized, "The signing key does not belong to the activity's actor.");
        }

        if (selfDelete)
        {
            await verifier.RevokeActorAsync(actor, ct);
        }

        if (limits.TryAcquire(actor) is { } limited)
        {
            return TooMany(http, limited);
        }

        if (!await relevance.ConcernsUsAsync(activity, actor, ct))
        {
            limits.Ignored(actor);
            return TypedResults.Accepted((string?)null);
        }

        if (limits.TryStore(actor, body.Length) is { } full)
        {
            return TooMany(http, full);
        }

        var activityId = activity.Id?.AbsoluteUri ?? "urn:kindred:sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        var objectType = activity.Object?.Embedded?.Type;
        await store.AddAsync(activityId, actor.AbsoluteUri, activity.Type, string.IsNullOrEmpty(objectType) ? null : objectType,
            http.Request.Path.Value ?? "/inbox", signer.KeyId, System.Text.Encoding.UTF8.GetString(body), ct);
        signal.Wake();

        return TypedResults.Accepted((string?)null);
    }

    private async Task<string?> RefusedAsync(Uri actor, string? keyId, CancellationToken ct)
    {
        var decision = await policy.DecideAsync(actor, ct);
        if (decision.Refused)
        {
            return decision.Reason;
        }

        if (Uri.TryCreate(keyId, UriKind.Absolute, out var key) && key.Scheme is "https" or "http" && !Origins.SameOrigin(key, actor))
        {
            var byKey = await policy.DecideAsync(key, ct);
            return byKey.Refused ? byKey.Reason : null;
        }

        return null;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult TooMany(HttpContext http, InboxRefusal refusal)
    {
        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(Math.Max(1, refusal.RetryAfter.TotalSeconds))).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status429TooManyRequests, refusal.Reason);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Problem(int status, string detail) => TypedResults.Problem(detail: detail, statusCode: status);

    /// <summary>
    /// Reads at most <paramref name="max"/> bytes; null with 413 when there is more, null with 400 when the body is
    /// malformed (e.g. broken chunked encoding). A chunked body has no length to check
    /// first, and Kestrel, reading ahead, may hit its own request size limit (<c>Kindred:Security:MaxRequestBodyBytes</c>)
    /// before we have read our cap: that is "too large" too, not a server error.
    /// </summary>
    private static async Task<(byte[]? Body, int Status)> ReadCappedAsync(Stream stream, int max, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await stream.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > max)
                {
                    return (null, StatusCodes.Status413PayloadTooLarge);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex)
        {
            return (null, ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? ex.StatusCode : StatusCodes.Status400BadRequest);
        }

        return (buffer.ToArray(), StatusCodes.Status200OK);
    }
}

/// <summary>Wakes the inbox worker on this node as soon as something was stored (other nodes poll).</summary>
public sealed class InboxSignal : Data.Jobs.WorkSignal;
