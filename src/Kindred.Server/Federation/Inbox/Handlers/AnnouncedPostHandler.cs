using Kindred.Server.Features.Groups;
using Kindred.ActivityPub;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.Posts;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Federation.Resolution;
using Kindred.Server.Web;

using Kindred.Server.Features.Threads;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Announce(Create) and Announce(Update) of a post (<see cref="ObjectShapes.PostTypes"/>) by a group hosted elsewhere: the post, as its origin
/// has it, is stored or edited (<see cref="RemotePosts"/>). A Page/Article (or a Note that answers nothing) addressed
/// to the group becomes a thread; a Note answering a thread or reply of the group we hold becomes a reply. Missing
/// parents are fetched from their origin, at most <see cref="MaxParentDepth"/> levels up. Only the author may edit
/// (same actor, same group); an Update of something we never saw stores it (it may have overtaken its Create).
/// </summary>
public sealed class AnnouncedPostHandler(
    Database db, AnnounceUnwrapper unwrapper, RemotePosts posts, PostStore store, ActorResolver resolver, DroppedActivities dropped, PendingReplies pending,
    TimeProvider time,
    ILogger<AnnouncedPostHandler> logger)
{
    public const int MaxParentDepth = 5;

    /// <summary>Where the announced activity comes from: sent to our inbox, read from the group's outbox, or a reply that waited for its parent.</summary>
    public enum Source
    {
        Inbox,
        Backfill,
        PendingRetry,
    }

    /// <summary>What became of the post.</summary>
    public enum Outcome
    {
        Held,
        NotStored,
        WaitingForParent,
    }

    /// <summary>
    /// Stores or edits the announced post. With <paramref name="backfill"/> (read from the group's outbox, not sent to
    /// us) nothing is counted as dropped: the same items are read again on every backfill. True when the post is held.
    /// </summary>
    public async Task<bool> HandleAsync(AnnouncedActivity announced, CancellationToken ct, bool backfill = false) =>
        await ApplyAsync(announced, backfill ? Source.Backfill : Source.Inbox, ct) == Outcome.Held;

    /// <summary>
    /// Stores or edits the announced post. A reply from the inbox whose parent cannot be had waits in
    /// <see cref="PendingReplies"/> (retried by a job) instead of being dropped; from the outbox it is skipped; on a retry
    /// it reports that it still waits. Only what arrived in our inbox is counted as dropped.
    /// </summary>
    public async Task<Outcome> ApplyAsync(AnnouncedActivity announced, Source source, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(announced);
        if (await unwrapper.ObjectAsync(announced, ct) is not { } post)
        {
            return Outcome.NotStored;
        }

        if (!post.Types.Any(ObjectShapes.IsPost))
        {
            logger.LogDebug("{Type}({ObjectType}) from {Group} is not a post; ignored", announced.Activity.Type, post.Type, announced.Group.ApId);
            if (source == Source.Inbox)
            {
                await dropped.RecordAsync(announced.Group.ActorId, announced.Activity, DroppedActivities.Reasons.UnsupportedObject, ct);
            }

            return Outcome.NotStored;
        }

        if (announced.Activity.Type == "Update" && source == Source.Inbox)
        {
            await UpdateAsync(announced.Group, post, announced.Activity, ct);
            return Outcome.Held;
        }

        var (stored, parentMissing) = await StoreAsync(announced.Group, post, 0, ct, source == Source.Backfill ? null : announced.Activity, source == Source.Inbox);
        if (stored is not null)
        {
            return Outcome.Held;
        }

        if (!parentMissing)
        {
            return Outcome.NotStored;
        }

        if (source == Source.PendingRetry)
        {
            return Outcome.WaitingForParent;
        }

        if (source == Source.Inbox)
        {
            var raw = announced.Activity.Raw.ValueKind == System.Text.Json.JsonValueKind.Undefined ? post.Raw.GetRawText() : announced.Activity.Raw.GetRawText();
            if (await pending.HoldAsync(announced.Group.Id, post.Id!, post.InReplyTo!, Hosts.Authority(announced.Group.ActorId), raw, announced.Authentic,
                    "the parent could not be fetched", ct))
            {
                return Outcome.WaitingForParent;
            }

            await dropped.RecordAsync(announced.Group.ActorId, announced.Activity, DroppedActivities.Reasons.NoParent, ct);
        }

        return Outcome.NotStored;
    }

    private async Task UpdateAsync(RemoteGroup group, AsObject post, AsActivity received, CancellationToken ct)
    {
        var outcome = await db.InTransactionAsync(async (c, tx) =>
        {
            if (await store.FindAsync(c, tx, post.Id!) is not { } stored)
            {
                return null;
            }

            if (stored.RemoteAuthor != post.AttributedToActor?.AbsoluteUri || stored.GroupId != group.Id)
            {
                return "refused: not the author, or through another group";
            }

            return await store.EditAsync(c, tx, stored.Id, stored.IsThread, posts.Fields(post), post.Updated ?? time.GetUtcNow()) ? "updated" : "ignored: deleted";
        }, ct);
        if (outcome is null)
        {
            if ((await StoreAsync(group, post, 0, ct, received, countDrops: true)) is (null, true))
            {
                await dropped.RecordAsync(group.ActorId, received, DroppedActivities.Reasons.NoParent, ct);
            }

            return;
        }

        logger.LogInformation("Update of {Post} via {Group}: {Outcome}", post.Id, group.ApId, outcome);
    }

    /// <summary>
    /// Stores <paramref name="post"/> in <paramref name="group"/> unless we have it already. Null when it does not belong
    /// there, with <c>ParentMissing</c> when it answers something we neither hold nor could fetch (the caller decides
    /// whether it waits). Parents fetched on the way are stored, and replies waiting for a stored post are woken.
    /// </summary>
    private async Task<(StoredPost? Stored, bool ParentMissing)> StoreAsync(RemoteGroup group, AsObject post, int depth, CancellationToken ct,
        AsActivity? received = null, bool countDrops = false)
    {
        if (await FindAsync(post.Id!, ct) is { } existing)
        {
            return (existing, false);
        }

        StoredPost? parent = null;
        if (post.InReplyTo is not { } parentId)
        {
            if (!IsAddressedTo(post, group.ActorId))
            {
                logger.LogInformation("{Post} is not addressed to {Group}; not stored", post.Id, group.ApId);
                await DroppedAsync(group, countDrops ? received : null, DroppedActivities.Reasons.NotForAGroupHere, ct);
                return (null, false);
            }
        }
        else
        {
            parent = await FindAsync(parentId, ct) ?? await FetchParentAsync(group, parentId, depth, ct);
            if (parent is null)
            {
                logger.LogInformation("{Post} answers {Parent}, which we do not hold and could not fetch", post.Id, parentId);
                return (null, true);
            }

            if (parent.GroupId != group.Id)
            {
                logger.LogInformation("{Post} answers {Parent}, which is not in {Group}; not stored", post.Id, parentId, group.ApId);
                await DroppedAsync(group, countDrops ? received : null, DroppedActivities.Reasons.NoParent, ct);
                return (null, false);
            }
        }

        var author = post.AttributedToActor!;
        var stored = new NewRemotePost(post.Id!, author, await posts.AuthorNameAsync(author, ct), posts.Fields(post), post.Published ?? time.GetUtcNow(), post.Updated);
        return (await db.InTransactionAsync(async (c, tx) =>
        {
            if (parent is null)
            {
                await store.InsertRemoteThreadAsync(c, tx, group.Id, stored);
            }
            else
            {
                // The group's home decides what its threads take: a reply it Announces is stored even if we saw the thread deleted.
                await store.InsertRemoteReplyAsync(c, tx, parent, stored, openThreadsOnly: false);
            }

            // Replies that arrived before this post are tried again now.
            await pending.WakeChildrenAsync(c, tx, post.Id!);
            return await store.FindAsync(c, tx, post.Id!);
        }, ct), false);
    }

    /// <summary>Counts what the group sent us that was not stored; parents fetched on the way (no activity) are not counted.</summary>
    private Task DroppedAsync(RemoteGroup group, AsActivity? received, string reason, CancellationToken ct) =>
        received is null ? Task.CompletedTask : dropped.RecordAsync(group.ActorId, received, reason, ct);

    /// <summary>FEP-1b12 addressing (to, cc, audience), or a Mastodon/GoToSocial-style Mention of the group.</summary>
    private static bool IsAddressedTo(AsObject post, Uri group) =>
        post.To.Contains(group) || post.Cc.Contains(group) || post.Audience.Contains(group)
        || post.Tags.Any(t => t.Type == "Mention" && t.Href == group);

    private async Task<StoredPost?> FindAsync(Uri apId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await store.FindAsync(c, null, apId);
    }

    private async Task<StoredPost?> FetchParentAsync(RemoteGroup group, Uri parentId, int depth, CancellationToken ct)
    {
        if (depth >= MaxParentDepth)
        {
            return null;
        }

        try
        {
            // Fetched from its own origin; its author must be on that origin too (FEP-fe34).
            if (await resolver.GetObjectAsync(parentId, ct) is AsObject { Id: { } id, AttributedToActor: { } author } parent && Origins.SameOrigin(author, id))
            {
                return (await StoreAsync(group, parent, depth + 1, ct)).Stored;
            }
        }
        catch (ResolutionException ex)
        {
            logger.LogInformation("Parent {Parent} could not be fetched: {Message}", parentId, ex.Message);
        }

        return null;
    }
}
