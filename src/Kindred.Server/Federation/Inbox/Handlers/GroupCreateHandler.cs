using System.Data.Common;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Features.Threads;
using Kindred.Server.Federation.Groups;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Federation.Posts;
using Kindred.Server.Web;

using Kindred.Server.Features.Groups;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Create(Page|Article|Note) by a remote member, addressed to one of our groups or answering one of its threads
/// (FEP-1b12). The group checks membership and its rules, stores the post (<see cref="RemotePosts"/>: sanitised, with
/// its origin, author and ap_id, as a thread or a reply) and Announces the original activity to all its remote members.
/// Idempotent by object id. A Note without inReplyTo (Mastodon mentioning the group) becomes a thread titled with its
/// first words.
/// </summary>
public sealed class GroupCreateHandler(Database db, GroupInbox inbox, RemotePosts posts, PostStore store, GroupAnnouncer announcer, DroppedActivities dropped, TimeProvider time,
    ILogger<GroupCreateHandler> logger)
{
    public async Task HandleAsync(AsActivity create, CancellationToken ct)
    {
        if (create.Object?.Embedded is not AsObject obj || obj.Id is null || !GroupInbox.SameAuthor(create, obj))
        {
            logger.LogDebug("Create {Id}: no embedded object from the actor's origin; ignored", create.Id);
            await dropped.RecordAsync(create.Actor, create, DroppedActivities.Reasons.NoEmbeddedObject, ct);
            return;
        }

        // Most of what reaches a shared inbox is for no group of ours: find that out with a read, without taking the
        // write lock (and without looking up the author) that storing needs. StoreAsync checks again, in its transaction.
        bool forUs;
        await using (var c = await db.OpenAsync(ct))
        {
            forUs = await inbox.FindAsync(c, null, obj) is { } target && GroupAnnouncer.Federates(target.Group);
        }

        if (!forUs)
        {
            logger.LogDebug("Create {Object} by {Actor}: not for a federated local group", obj.Id, create.Actor);
            await dropped.RecordAsync(create.Actor, create, NotForUs(obj), ct);
            return;
        }

        var authorName = await posts.AuthorNameAsync(create.Actor!, ct);
        var outcome = await db.InTransactionAsync(async (c, tx) => await StoreAsync(c, tx, create, obj, authorName, ct), ct);
        logger.LogInformation("Create {Object} by {Actor}: {Outcome}", obj.Id, create.Actor, outcome);
    }

    /// <summary>Stores and announces; also used for an Update that arrives before its Create.</summary>
    public async Task<string> StoreAsync(DbConnection c, DbTransaction tx, AsActivity activity, AsObject obj, string authorName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(obj);
        var actor = activity.Actor!;
        if (await inbox.FindAsync(c, tx, obj) is not { } target || !GroupAnnouncer.Federates(target.Group))
        {
            await dropped.RecordAsync(c, tx, actor, activity, NotForUs(obj));
            return "not for a federated local group";
        }

        if (await store.FindAsync(c, tx, obj.Id!) is not null)
        {
            return "already stored";
        }

        if (!await MemberStore.IsRemoteMemberAsync(c, tx, target.Group.Id, actor))
        {
            await dropped.RecordAsync(c, tx, actor, activity, DroppedActivities.Reasons.NotAMember);
            return "refused: not a member";
        }

        var fields = posts.Fields(obj);
        if (Refusal(target.Group, activity, obj, fields) is { } refused)
        {
            return refused;
        }

        if (target.Parent is null && !obj.Types.Any(ObjectShapes.IsPost))
        {
            await dropped.RecordAsync(c, tx, actor, activity, DroppedActivities.Reasons.UnsupportedObject);
            return "ignored: not a post type";
        }

        // The time we received it: in our own group, a post's place in time is not the sender's to choose.
        var post = new NewRemotePost(obj.Id!, actor, authorName, fields, time.GetUtcNow(), null);
        if (target.Parent is not { } parent)
        {
            await store.InsertRemoteThreadAsync(c, tx, target.Group.Id, post);
        }
        else
        {
            switch (await store.InsertRemoteReplyAsync(c, tx, parent, post, openThreadsOnly: true))
            {
                case ReplyOutcome.ThreadClosed:
                    return "refused: thread locked or deleted";
                case ReplyOutcome.AlreadyStored:
                    return "already stored";
            }
        }

        await announcer.AnnounceAsync(c, tx, target.Group, GroupInbox.Original(activity), obj.Id!, ct, verbatim: true);
        return target.Parent is null ? "stored as a thread" : "stored as a reply";
    }

    /// <summary>Why an object found no group here: a reply to something we do not hold, or addressed to none of ours.</summary>
    private static string NotForUs(AsObject obj) =>
        obj.InReplyTo is null ? DroppedActivities.Reasons.NotForAGroupHere : DroppedActivities.Reasons.NoParent;

    /// <summary>The group's rules for what a member sends, for new posts and edits alike; null when they hold. The
    /// activity is Announced whole, so neither it nor its object may be addressed to Public in a members-only group.</summary>
    public static string? Refusal(Endpoints.GroupActorRow group, AsActivity activity, AsObject obj, PostFields fields)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(fields);
        if (group.Visibility != "public" && (obj.IsPublic || activity.IsPublic))
        {
            return "refused: addressed to Public in a members-only group";
        }

        return fields.Content.Length > PostRules.MaxContentLength * 2 ? "refused: too long" : null;
    }
}
