using Kindred.Server.Configuration;
using System.Text.Json.Nodes;
using Kindred.ActivityPub.Json;
using Kindred.Server.Federation.Keys;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Endpoints;

/// <summary>
/// The one place local actors become ActivityStreams documents (Person, the FEP-2677 Application, and Group via
/// <see cref="GroupActor"/>). Privacy by default: not discoverable, not indexable, no profile URL.
/// </summary>
public sealed class ActorDocuments(ActorKeys keys, ActorUrls urls, IOptions<Configuration.KindredOptions> options)
{
    /// <summary>
    /// A member as a Person. <paramref name="full"/> false gives the minimal form served to unsigned requests under
    /// authorized fetch: just enough (inbox, keys) for peers to verify our signatures, no name or dates.
    /// </summary>
    public async Task<JsonObject> PersonAsync(LocalPerson p, bool full, CancellationToken ct)
    {
        var k = await keys.GetPublicKeysAsync(p.ActorId.AbsoluteUri, ct);
        return ActivityJson.Actor(new ActorDocument
        {
            Type = "Person",
            Id = p.ActorId,
            PreferredUsername = p.Username.ToLowerInvariant(),
            Name = full ? p.DisplayName ?? p.Username : null,
            Inbox = ActorUrls.Sub(p.ActorId, "inbox"),
            Outbox = ActorUrls.Sub(p.ActorId, "outbox"),
            Followers = full ? ActorUrls.Sub(p.ActorId, "followers") : null,
            Following = full ? ActorUrls.Sub(p.ActorId, "following") : null,
            SharedInbox = urls.SharedInbox,
            Published = full ? p.CreatedAt : null,
            PublicKeyPem = k.RsaPublicKeyPem,
            Ed25519PublicKeyMultibase = k.Ed25519PublicKeyMultibase,
        });
    }

    /// <summary>The instance actor (FEP-2677): signs our GETs and instance-level reports. Always served unsigned.</summary>
    public async Task<JsonObject> InstanceAsync(CancellationToken ct)
    {
        var id = urls.InstanceActor;
        var k = await keys.GetPublicKeysAsync(id.AbsoluteUri, ct);
        return ActivityJson.Actor(new ActorDocument
        {
            Type = "Application",
            Id = id,
            PreferredUsername = urls.Origin.IdnHost,
            Name = options.Value.InstanceName,
            Inbox = urls.SharedInbox,
            Outbox = ActorUrls.Sub(id, "outbox"),
            SharedInbox = urls.SharedInbox,
            Url = urls.Origin,
            // Nobody needs to follow the instance actor; it only signs.
            ManuallyApprovesFollowers = true,
            PublicKeyPem = k.RsaPublicKeyPem,
            Ed25519PublicKeyMultibase = k.Ed25519PublicKeyMultibase,
        });
    }
}
