using Kindred.ActivityPub;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data.Jobs;
using Kindred.Server.Features.Groups;
using Kindred.Server.Federation.Inbox.Handlers;
using Kindred.Server.Federation.Resolution;

namespace Kindred.Server.Federation.RemoteGroups;

/// <summary>
/// Fills a group hosted elsewhere with its recent threads (issue 11.9), as Lemmy does when a community is first
/// followed: its featured collection (pinned posts) and the first pages of its outbox, at the addresses its actor gave
/// when last fetched from its origin. Every fetch goes through <see cref="RemoteFetcher"/> (SSRF guard, signed, size-capped,
/// same-origin redirects only) and the whole run is bounded by <see cref="MaxPages"/>, <see cref="MaxItems"/> and
/// <see cref="MaxBytes"/>. Collections must be on the group's origin; what they embed is then vouched for by that
/// origin, exactly like an Announce the group signed, so each item goes through <see cref="AnnounceUnwrapper"/> and
/// <see cref="AnnouncedPostHandler"/> (sanitising, FEP-fe34 origin checks, and <c>PostStore</c> as the one writer).
/// Items we already hold are skipped, so running it again is harmless.
/// </summary>
public sealed class RemoteGroupBackfill(RemoteGroupStore groups, ActorResolver resolver, AnnounceUnwrapper unwrapper, AnnouncedPostHandler posts,
    ILogger<RemoteGroupBackfill> logger)
{
    /// <summary>Collection documents read per run: the outbox, its pages and the featured collection together.</summary>
    public const int MaxPages = 4;

    /// <summary>Items looked at per run (Lemmy's outbox lists the community's 20 newest posts).</summary>
    public const int MaxItems = 40;

    /// <summary>Bytes of collection JSON read per run (each fetch is also capped by Kindred:Federation:MaxFetchBytes).</summary>
    public const int MaxBytes = 2 * 1024 * 1024;

    public sealed record Result(int Looked, int Stored, int Pages);

    /// <summary>The job queue's handler for <see cref="RemoteGroupBackfillRequests.Kind"/>.</summary>
    public async Task RunJobAsync(Job job, CancellationToken ct)
    {
        if (!Guid.TryParse(job.Payload, out var id))
        {
            throw new PermanentJobFailureException($"Not a group id: {job.Payload}");
        }

        if (await groups.FindByIdAsync(id, ct) is not { } group)
        {
            logger.LogInformation("Backfill of remote group {Id}: no such group any more; nothing to do", id);
            return;
        }

        try
        {
            var result = await BackfillAsync(group, ct);
            logger.LogInformation("Backfilled remote group {Group}: {Stored} of {Looked} item(s) held after reading {Pages} collection page(s)",
                group.ApId, result.Stored, result.Looked, result.Pages);
        }
        catch (ResolutionException ex) when (ex.Failure is ResolutionFailure.Gone or ResolutionFailure.Invalid or ResolutionFailure.Refused)
        {
            // Retrying cannot change these; the refresh job marks a gone group on its page.
            throw new PermanentJobFailureException($"{group.ApId}: {ex.Failure}: {ex.Message}");
        }
    }

    /// <summary>Reads the group's featured collection and outbox and stores what belongs to it. Network trouble is thrown (the job retries).</summary>
    public async Task<Result> BackfillAsync(RemoteGroup group, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(group);
        var run = new Run(group);
        // Pinned posts first (Lemmy's featured collection holds Pages), then the newest of the outbox. Both addresses are
        // as the group's actor gave them when it was last fetched from its origin (joining, Update, the daily refresh).
        foreach (var collection in new[] { group.FeaturedUrl, group.OutboxUrl })
        {
            if (Uri.TryCreate(collection, UriKind.Absolute, out var url) && Origins.SameOrigin(url, group.ActorId))
            {
                await ReadCollectionAsync(run, url, ct);
            }
        }

        return new Result(run.Looked, run.Stored, run.Pages);
    }

    private sealed class Run(RemoteGroup group)
    {
        public RemoteGroup Group { get; } = group;
        public int Looked { get; set; }
        public int Stored { get; set; }
        public int Pages { get; set; }
        public long Bytes { get; set; }
        public bool Full => Looked >= MaxItems || Pages >= MaxPages || Bytes >= MaxBytes;
    }

    private async Task ReadCollectionAsync(Run run, Uri url, CancellationToken ct)
    {
        // The collection, then its first page and the pages after it (embedded or by id), all on the group's origin.
        AsReference? next = new(url, null);
        while (next is not null && !run.Full)
        {
            AsEntity page;
            if (next.Embedded is { } embedded)
            {
                page = embedded;
            }
            else if (next.Id is { } id && Origins.SameOrigin(id, run.Group.ActorId))
            {
                page = await resolver.GetObjectAsync(id, ct);
                run.Pages++;
                run.Bytes += page.Raw.ValueKind == System.Text.Json.JsonValueKind.Undefined ? 0 : page.Raw.GetRawText().Length;
            }
            else
            {
                return;
            }

            if (page is not AsCollection collection)
            {
                logger.LogInformation("{Url} of {Group} is not a collection; not read", url, run.Group.ApId);
                return;
            }

            foreach (var item in collection.Items)
            {
                if (run.Looked >= MaxItems)
                {
                    return;
                }

                run.Looked++;
                if (await StoreItemAsync(run.Group, item, ct))
                {
                    run.Stored++;
                }
            }

            // A collection points at its first page; a page at the next one.
            next = collection.Items.Count == 0 && collection.First is { } first ? first : collection.Next;
        }
    }

    private async Task<bool> StoreItemAsync(RemoteGroup group, AsReference item, CancellationToken ct)
    {
        // Items listed by id only are fetched from the group's origin (where the collection is).
        var entity = item.Embedded;
        if (entity is null && item.Id is { } id && Origins.SameOrigin(id, group.ActorId))
        {
            entity = await resolver.GetObjectAsync(id, ct);
        }

        AnnouncedActivity? announced = entity switch
        {
            // Lemmy and Mbin: Announce(Create(Page/Note)) by the group.
            AsActivity { Type: "Announce" } announce => await unwrapper.UnwrapFromAsync(group, announce, ct),
            // An outbox of Creates (a group that lists its members' activities as they are).
            AsActivity { Type: "Create" } create => new AnnouncedActivity(group, create, AnnounceUnwrapper.SpeaksFor(group.ActorId, create)),
            // Featured collections list the posts themselves.
            AsObject { AttributedToActor: not null } post when AnnounceUnwrapper.AsBareObject(post) is { } bare =>
                new AnnouncedActivity(group, bare, Origins.SameOrigin(post.Id ?? group.ActorId, group.ActorId)),
            _ => null,
        };

        // Only posts: Likes, Deletes, moderation and Updates in an outbox describe the past, not what to show now.
        if (announced is null || announced.Activity.Type != "Create")
        {
            return false;
        }

        try
        {
            return await posts.HandleAsync(announced, ct, backfill: true);
        }
        catch (ResolutionException ex)
        {
            // One unreachable post (or parent) does not stop the rest.
            logger.LogInformation("Backfill of {Group}: {Item} skipped: {Message}", group.ApId, item, ex.Message);
            return false;
        }
    }
}
