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
    Database db, AnnounceUnwrapper unwrapper, RemotePosts posts, PostStore store, ActorResolver resolver, DroppedActivities dropped, TimeProvider time,
    ILogger<AnnouncedPostHandler> logger)
{
    public const int MaxParentDepth = 5;


    /// <summary>
    /// Stores or edits the announced post. With <paramref name="backfill"/> (read from the group's outbox, not sent to
    /// us) nothing is counted as dropped: the same items are read again on every backfill. True when the post is held.
    /// </summary>
    public async Task<bool> HandleAsync(AnnouncedActivity announced, CancellationToken ct, bool backfill = false)
    {
        if (await unwrapper.ObjectAsync(announced, ct) is not { } post)
        {
            return false;
        }

        if (!post.Types.Any(ObjectShapes.IsPost))
        {
            logger.LogDebug("{Type}({ObjectType}) from {Group} is not a post; ignored", announced.Activity.Type, post.Type, announced.Group.ApId);
            if (!backfill)
            {
                await dropped.RecordAsync(announced.Group.ActorId, announced.Activity, DroppedActivities.Reasons.UnsupportedObject, ct);
            }

            return false;
        }

        if (announced.Activity.Type == "Update")
        {
            await UpdateAsync(announced.Group, post, announced.Activity, ct);
            return true;
        }

        return await StoreAsync(announced.Group, post, 0, ct, backfill ? null : announced.Activity) is not null;
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
            await StoreAsync(group, post, 0, ct, received);
            return;
        }

        logger.LogInformation("Update of {Post} via {Group}: {Outcome}", post.Id, group.ApId, outcome);
    }

    /// <summary>Stores <paramref name="post"/> in <paramref name="group"/> unless we have it already; null when it does not belong there.</summary>
    private async Task<StoredPost?> StoreAsync(RemoteGroup group, AsObject post, int depth, CancellationToken ct, AsActivity? received = null)
    {
        if (await FindAsync(post.Id!, ct) is { } existing)
        {
            return existing;
        }

        StoredPost? parent = null;
        if (post.InReplyTo is not { } parentId)
        {
            if (!IsAddressedTo(post, group.ActorId))
            {
                logger.LogInformation("{Post} is not addressed to {Group}; not stored", post.Id, group.ApId);
                await DroppedAsync(group, received, DroppedActivities.Reasons.NotForAGroupHere, ct);
                return null;
            }
        }
        else
        {
            parent = await FindAsync(parentId, ct) ?? await FetchParentAsync(group, parentId, depth, ct);
            if (parent is null || parent.GroupId != group.Id)
            {
                logger.LogInformation("{Post} answers {Parent}, which is not in {Group} (or could not be fetched); not stored", post.Id, parentId, group.ApId);
                await DroppedAsync(group, received, DroppedActivities.Reasons.NoParent, ct);
                return null;
            }
        }

        var author = post.AttributedToActor!;
        var stored = new NewRemotePost(post.Id!, author, await posts.AuthorNameAsync(author, ct), posts.Fields(post), post.Published ?? time.GetUtcNow(), post.Updated);
        return await db.InTransactionAsync(async (c, tx) =>
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

            return await store.FindAsync(c, tx, post.Id!);
        }, ct);
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
                return await StoreAsync(group, parent, depth + 1, ct);
            }
        }
        catch (ResolutionException ex)
        {
            logger.LogInformation("Parent {Parent} could not be fetched: {Message}", parentId, ex.Message);
        }

        return null;
    }
}
