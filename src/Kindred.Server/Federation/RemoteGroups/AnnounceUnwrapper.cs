using Kindred.Server.Features.Groups;
using Kindred.ActivityPub;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Federation.Resolution;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.RemoteGroups;

/// <summary>An activity a remote group Announced, with whether its embedded content may be believed as it stands.</summary>
public sealed record AnnouncedActivity(RemoteGroup Group, AsActivity Activity, bool Authentic);

/// <summary>
/// Unwraps Announces from remote groups (FEP-1b12) under the origin-based security model (FEP-fe34). The inbox has
/// already checked that the Announce was signed by a key of its actor's origin, so what the Announce embeds is
/// believed only when it is on that same origin. Anything else is fetched from its own origin: an inner activity sent
/// by id only, and (through <see cref="ObjectAsync"/>) a post embedded by a group on another origin than the post.
/// </summary>
public sealed class AnnounceUnwrapper(RemoteGroupStore groups, ActorResolver resolver, ActorUrls urls, ILogger<AnnounceUnwrapper> logger)
{
    /// <summary>The announced activity, or null when the Announce is not from a followed group or cannot be verified.</summary>
    public async Task<AnnouncedActivity?> UnwrapAsync(AsActivity announce, CancellationToken ct)
    {
        var announced = await UnwrapAnyAsync(announce, ct);
        // Our own members' posts coming back from the group: we are their origin and already hold them.
        return announced?.Activity.Actor is { } actor && urls.IsLocal(actor) ? null : announced;
    }

    private async Task<AnnouncedActivity?> UnwrapAnyAsync(AsActivity announce, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(announce);
        var group = await groups.FindByApIdAsync(announce.Actor!, ct);
        if (group is null || !await groups.IsFollowedAsync(group.Id, ct))
        {
            logger.LogInformation("Announce {Id} from {Actor}: not a group anyone here follows; ignored", announce.Id, announce.Actor);
            return null;
        }

        return await UnwrapFromAsync(group, announce, ct);
    }

    /// <summary>
    /// Unwraps an Announce by <paramref name="group"/> that came from the group's own origin: signed by it (the inbox) or
    /// read from its outbox (<see cref="RemoteGroupBackfill"/>). Null when the Announce is not the group's, or the
    /// activity it names cannot be fetched.
    /// </summary>
    public async Task<AnnouncedActivity?> UnwrapFromAsync(RemoteGroup group, AsActivity announce, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(announce);
        if (announce.Actor != group.ActorId)
        {
            return null;
        }

        if (announce.Object?.Embedded is AsEntity embedded)
        {
            var inner = embedded as AsActivity ?? AsBareObject(embedded);
            return inner is null ? null : new AnnouncedActivity(group, inner, SpeaksFor(group.ActorId, inner));
        }

        if (announce.Object?.Id is not { } id)
        {
            return null;
        }

        // By id only (PieFed and others): the copy we fetch comes from the id's own origin.
        if (await FetchAsync(id, ct) is not { } fetched)
        {
            return null;
        }

        var activity = fetched as AsActivity ?? AsBareObject(fetched);
        return activity is null ? null : new AnnouncedActivity(group, activity, activity.Actor is { } a && Origins.SameOrigin(a, id));
    }

    /// <summary>
    /// The post a Create or Update carries, as its origin has it: the embedded object when the announced activity is
    /// authentic and the object is on its actor's origin; otherwise fetched by id. Null when the object's author is
    /// not on the object's origin (FEP-fe34).
    /// </summary>
    public async Task<AsObject?> ObjectAsync(AnnouncedActivity announced, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(announced);
        var inner = announced.Activity;
        var reference = inner.Object;
        if (reference?.Id is not { } id || inner.Actor is not { } actor)
        {
            return null;
        }

        AsObject? post;
        if (announced.Authentic && reference.Embedded is AsObject embedded && Origins.SameOrigin(id, actor))
        {
            post = embedded;
        }
        else
        {
            logger.LogDebug("Fetching {Object} from its origin (FEP-fe34)", id);
            post = await FetchAsync(id, ct) as AsObject;
        }

        if (post?.Id is null || post.AttributedToActor is not { } author || !Origins.SameOrigin(author, post.Id) || !Origins.SameOrigin(actor, post.Id))
        {
            logger.LogInformation("{Type} {Id}: object {Object} is not authored on its own origin; ignored", inner.Type, inner.Id, id);
            return null;
        }

        return post;
    }

    /// <summary>The document at <paramref name="id"/>; null when its origin says it does not exist (404/410) or sends
    /// something unusable. Network trouble is thrown, so the inbox tries the Announce again later.</summary>
    private async Task<AsEntity?> FetchAsync(Uri id, CancellationToken ct)
    {
        try
        {
            return await resolver.GetObjectAsync(id, ct);
        }
        catch (ResolutionException ex) when (ex.Failure is ResolutionFailure.Gone or ResolutionFailure.Invalid or ResolutionFailure.Refused)
        {
            logger.LogInformation("{Id} could not be fetched from its origin: {Message}", id, ex.Message);
            return null;
        }
    }

    /// <summary>True when <paramref name="speaker"/> (who signed) may vouch for the activity's embedded content.</summary>
    public static bool SpeaksFor(Uri speaker, AsActivity inner) =>
        inner.Actor is { } actor
        && Origins.SameOrigin(actor, speaker)
        && (inner.Id is null || Origins.SameOrigin(inner.Id, speaker));

    /// <summary>A group that Announces a post itself (not its Create) is treated as announcing its Create by the author.</summary>
    public static AsActivity? AsBareObject(AsEntity entity) =>
        entity is AsObject post && post.AttributedToActor is { } author
            ? new AsActivity { Id = null, Types = ["Create"], Actor = author, Object = new AsReference(post.Id, post), Objects = [new AsReference(post.Id, post)], Raw = post.Raw }
            : null;
}
