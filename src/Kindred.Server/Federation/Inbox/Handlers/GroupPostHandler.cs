using System.Text.Json.Nodes;
using Kindred.ActivityPub;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Federation.Groups;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Federation.RemoteGroups;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Create/Update/Delete/Like sent by a remote member to one of OUR groups (we are the group's home, FEP-1b12): the post
/// is stored, edited or tombstoned here (the same store as for Announced posts), and the group Announces the original
/// activity to all its remote members. Only members (remote_members state 'member') of a federated group are heard;
/// a post must be on its author's origin and attributed to the sender (FEP-fe34; the inbox verified the signature).
/// Likes are Announced but not counted here (Kindred shows no scores). Retries are safe: the store is idempotent by
/// ap_id and the Announce id derives from the inner activity id.
/// </summary>
public sealed class GroupPostHandler(
    Database db, ActorUrls urls, RemotePosts posts, RemotePostChanges changes, GroupAnnouncer announcer, ILogger<GroupPostHandler> logger)
{
    private static readonly HashSet<string> PostTypes = ["Page", "Article", "Note", "Question"];

    public async Task HandleAsync(AsActivity activity, string body, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(activity);
        if (activity.Actor is not { } actor || activity.Object?.Id is not { } objectId)
        {
            return;
        }

        var group = await TargetAsync(activity, objectId, ct);
        if (group is null || !GroupAnnouncer.Federates(group))
        {
            logger.LogDebug("{Type} {Id} is not for a federated group of ours; ignored", activity.Type, activity.Id);
            return;
        }

        await using (var c = await db.OpenAsync(ct))
        {
            if (!await RemoteMembers.IsMemberAsync(c, null, group.Id, actor))
            {
                logger.LogInformation("{Type} {Id}: {Actor} is not a member of {Group}; ignored", activity.Type, activity.Id, actor, group.Slug);
                return;
            }
        }

        var home = new RemoteGroup { Id = group.Id, Slug = group.Slug, Name = group.Name, ApId = urls.Group(group.Slug).AbsoluteUri, Origin = "local", Visibility = group.Visibility };
        switch (activity.Type)
        {
            case "Create" or "Update":
                if (activity.Object.Embedded is not AsObject post || !post.Types.Any(PostTypes.Contains)
                    || post.AttributedToActor != actor || !Origins.SameOrigin(actor, objectId))
                {
                    logger.LogInformation("{Type} {Id}: not a post by its sender on the sender's origin; ignored", activity.Type, activity.Id);
                    return;
                }

                if (activity.Type == "Update")
                {
                    await changes.UpdateAsync(home, post, ct);
                }
                else if (await posts.StoreAsync(home, post, ct) is null)
                {
                    return;
                }

                break;
            case "Delete":
                await changes.DeleteAsync(home, objectId, actor, ct);
                break;
            case "Like":
                break;
            default:
                return;
        }

        // The stored state decides what is Announced: a Create the group refused, or an edit/delete by someone other
        // than the author, changed nothing here and is not passed on.
        var stored = await posts.FindAsync(objectId, ct);
        if (stored is null || stored.GroupId != group.Id || (activity.Type != "Like" && stored.RemoteAuthor != actor.AbsoluteUri)
            || (activity.Type != "Delete" && stored.DeletedAt is not null))
        {
            return;
        }

        var inner = JsonNode.Parse(body)!.AsObject();
        inner.Remove("@context");
        await db.InTransactionAsync(async (c, tx) =>
        {
            if (activity.Type is "Update" or "Delete")
            {
                await GroupAnnouncer.ForgetObjectAsync(c, tx, objectId);
            }

            await announcer.AnnounceAsync(c, tx, group, inner, activity.Type == "Like" ? null : objectId, ct);
        }, ct);
        announcer.Wake();
        logger.LogInformation("{Type} {Id} by {Actor} in group {Group}: stored and Announced", activity.Type, activity.Id, actor, group.Slug);
    }

    /// <summary>The local group a post is addressed to (to, cc, audience), or the group of the post an activity acts on.</summary>
    private async Task<GroupActorRow?> TargetAsync(AsActivity activity, Uri objectId, CancellationToken ct)
    {
        if (activity.Type is "Create" or "Update" && activity.Object?.Embedded is AsObject post)
        {
            var slug = post.Audience.Concat(post.To).Concat(post.Cc).Concat(activity.To).Concat(activity.Cc)
                .Select(urls.GroupSlugOf).FirstOrDefault(s => s is not null);
            if (slug is not null)
            {
                return await GroupActor.FindBySlugAsync(db, slug, ct);
            }

            if (post.InReplyTo is null)
            {
                return null;
            }

            objectId = post.InReplyTo;
        }

        return await posts.FindAsync(objectId, ct) is { } stored ? await GroupActor.FindByIdAsync(db, stored.GroupId, ct) : null;
    }
}
