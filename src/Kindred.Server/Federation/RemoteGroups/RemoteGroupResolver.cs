using Kindred.ActivityPub;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Features.Groups;
using Kindred.Server.Federation.Resolution;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.RemoteGroups;

/// <summary>
/// Turns an address (<c>name@host</c>) into a remote group row: WebFinger, then the actor document, which must be a
/// Group on the address's own origin (so a server can only speak for its own names), then an upsert. Every failure
/// becomes an outcome a person can act on: unknown address, not a group, unreachable, refused by our policy.
/// </summary>
public sealed class RemoteGroupResolver(WebFingerClient webfinger, ActorResolver resolver, RemoteGroupStore store, ActorUrls urls, ILogger<RemoteGroupResolver> logger)
{
    public async Task<Outcome<RemoteGroup>> ResolveAsync(string address, Guid member, CancellationToken ct)
    {
        if (!RemoteGroupAddress.TryParse(address, out var acct))
        {
            return Outcome<RemoteGroup>.Invalid("address", "Enter the group's address like name@example.org.");
        }

        if (string.Equals(acct.Host, urls.Authority, StringComparison.OrdinalIgnoreCase))
        {
            return Outcome<RemoteGroup>.Invalid("address", $"That address is on this server. Look for the group under its name, {acct.User}.");
        }

        try
        {
            var actorId = await webfinger.ResolveAsync(acct, ct);
            if (urls.IsLocal(actorId) || !string.Equals(Hosts.Authority(actorId), acct.Host, StringComparison.OrdinalIgnoreCase))
            {
                // A server may only name its own actors; following another origin's actor under this address would mislead.
                return Outcome<RemoteGroup>.Invalid("address", $"{acct.Host} points {acct.Handle} to another server, so it cannot be followed by this address.");
            }

            var entity = await resolver.GetObjectAsync(actorId, ct);
            if (entity is not AsActor actor || actor.Id != actorId || !Origins.SameOrigin(actor.Id, actorId))
            {
                return Outcome<RemoteGroup>.Invalid("address", $"{acct.Handle} did not answer with an ActivityPub actor.");
            }

            if (!actor.IsGroup)
            {
                return Outcome<RemoteGroup>.Invalid("address", $"{acct.Handle} is not a group (it is a {actor.Type}). Only groups can be joined.");
            }

            if (actor.Inbox is null)
            {
                return Outcome<RemoteGroup>.Invalid("address", $"{acct.Handle} has no inbox, so it cannot be joined.");
            }

            return Outcome<RemoteGroup>.Success(await store.UpsertAsync(RemoteGroupProfiles.From(actor, acct.Handle), acct.Handle, member, ct));
        }
        catch (ResolutionException ex)
        {
            logger.LogInformation("Resolving remote group {Address} failed: {Failure} {Message}", acct.Handle, ex.Failure, ex.Message);
            return ex.Failure switch
            {
                ResolutionFailure.Gone => Outcome<RemoteGroup>.NotFound($"There is no group called {acct.Handle}. Check the address with the group."),
                ResolutionFailure.Refused => Outcome<RemoteGroup>.Forbidden($"This server does not connect to {acct.Host}: it is refused by our federation policy."),
                ResolutionFailure.Invalid => Outcome<RemoteGroup>.Invalid("address", $"{acct.Host} did not describe {acct.Handle} in a way we understand, so it cannot be joined from here."),
                _ => Outcome<RemoteGroup>.Unreachable($"{acct.Host} could not be reached just now. Please try again later."),
            };
        }
    }
}
