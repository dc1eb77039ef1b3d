using System.Text.Json;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Features.Reports;
using Kindred.Server.Features.Threads;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// <c>Flag</c>: a report from another server, in Mastodon's shape (<c>object</c>: the reported account and its posts,
/// reason in <c>content</c>), Lemmy's (<c>object</c>: one post or comment, reason in <c>summary</c>) or Mbin's (both).
/// Each post we hold becomes a report for its group's moderators; a Flag naming only one of our members becomes a report
/// for our admins (<see cref="ReceiveFlag"/>). Only the sending server is kept, never the remote reporter. <c>Resolve</c>
/// (Lemmy) of a Flag closes its report when the same server sends it. Anything else is counted as dropped.
/// </summary>
public sealed class FlagHandler(Database db, ActorUrls urls, LocalActors people, PostStore posts, ReceiveFlag flags, DroppedActivities dropped,
    ILogger<FlagHandler> logger)
{
    public const string NothingHeld = "flag about nothing held here";

    public async Task HandleAsync(AsActivity flag, CancellationToken ct)
    {
        if (flag.Id is not { } flagId || flag.Actor is not { } actor)
        {
            return;
        }

        var postIds = new List<Guid>();
        Guid? personId = null;
        await using (var c = await db.OpenAsync(ct))
        {
            foreach (var o in flag.Objects.Select(o => o.Id).OfType<Uri>().Distinct().Take(20))
            {
                if (await posts.FindAsync(c, null, o) is { } post)
                {
                    postIds.Add(post.Id);
                }
                else if (urls.IsLocal(o) && await people.FindPersonAsync(o, ct) is { } person)
                {
                    personId ??= person.UserId;
                }
            }
        }

        var created = postIds.Count == 0 && personId is null
            ? 0
            : await flags.RunAsync(flagId.AbsoluteUri, Hosts.Authority(actor), postIds, personId, Text(flag), ct);
        if (postIds.Count == 0 && personId is null)
        {
            await dropped.RecordAsync(actor, flag, NothingHeld, ct);
        }

        logger.LogInformation("Flag {Id} from {Server}: {Count} report(s) filed", flagId, Hosts.Authority(actor), created);
    }

    /// <summary>Lemmy's <c>Resolve</c>: its object is the Flag (embedded or by id).</summary>
    public async Task ResolveAsync(AsActivity resolve, CancellationToken ct)
    {
        if (resolve.Actor is not { } actor || resolve.Object?.Id is not { } flagId)
        {
            return;
        }

        var closed = await flags.ResolveAsync(flagId.AbsoluteUri, Hosts.Authority(actor), actor, ct);
        logger.LogInformation("Resolve of {Flag} from {Server}: {Outcome}", flagId, Hosts.Authority(actor), closed ? "report closed" : "no open report of theirs");
    }

    /// <summary>The reporter's words: Mastodon sends them as <c>content</c>, Lemmy as <c>summary</c>; Mbin sends both.</summary>
    private static string? Text(AsActivity flag)
    {
        if (flag.Raw.ValueKind == JsonValueKind.Object && flag.Raw.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
            && content.GetString() is { Length: > 0 } text)
        {
            return text;
        }

        return flag.Summary;
    }
}
