using System.Data.Common;
using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox;

/// <summary>One line of the dropped-activities trace: what one server sent that we ignored, for one reason.</summary>
public sealed record DroppedActivity
{
    public string Server { get; init; } = "";
    public string ActivityType { get; init; } = "";
    public string Reason { get; init; } = "";
    public long Count { get; init; }
    public DateTimeOffset FirstAt { get; init; }
    public DateTimeOffset LastAt { get; init; }
    public string? LastActivityId { get; init; }
}

/// <summary>The admin API's answer: the trace, most recent first.</summary>
/// <summary>A dropped activity's body as received (cut at <see cref="DroppedActivities.MaxSampleChars"/>), kept a short while.</summary>
public sealed record DroppedSample
{
    public string Server { get; init; } = "";
    public string ActivityType { get; init; } = "";
    public string Reason { get; init; } = "";
    public string? ActivityId { get; init; }
    public string Body { get; init; } = "";
    public DateTimeOffset ReceivedAt { get; init; }
}

public sealed record DroppedActivityList(IReadOnlyList<DroppedActivity> Dropped)
{
    /// <summary>The newest bodies kept (at most 3 per server and reason, for 7 days).</summary>
    public IReadOnlyList<DroppedSample> Samples { get; init; } = [];

    /// <summary>Replies kept while their parent is fetched again, per server (issue 16).</summary>
    public IReadOnlyList<PendingReplyCount> WaitingForParent { get; init; } = [];
}

/// <summary>
/// Owner of <c>dropped_activities</c>: nothing another server sends vanishes without a trace (issue 16). Each activity
/// the inbox worker ignores is counted by server, activity type and reason, and logged at information level the first
/// time a server is dropped for a reason (later ones at debug level: a chatty server must not flood the log).
/// </summary>
public sealed class DroppedActivities(Database db, TimeProvider time, ILogger<DroppedActivities> logger)
{
    /// <summary>Why an activity was ignored; the words admins see.</summary>
    public static class Reasons
    {
        public const string UnknownType = "unknown type";
        public const string NotAMember = "not a member";
        public const string NoParent = "no parent";
        public const string UnsupportedObject = "unsupported object";
        public const string NotForAGroupHere = "not for a group here";
        public const string NoScores = "no scores or emoji reactions here";
        public const string NoEmbeddedObject = "no embedded object from the actor's origin";
    }

    // Types are stored by name only when known (ActivityStreams and the common extensions), so a sender inventing
    // types grows a count, not the table.
    private static readonly HashSet<string> KnownTypes = new(StringComparer.Ordinal)
    {
        "Accept", "Add", "Announce", "Arrive", "Block", "Create", "Delete", "Dislike", "Flag", "Follow", "Ignore", "Invite",
        "Join", "Leave", "Like", "Listen", "Move", "Offer", "Question", "Read", "Reject", "Remove", "TentativeAccept",
        "TentativeReject", "Travel", "Undo", "Update", "View", "EmojiReact", "Lock", "Article", "Audio", "Document",
        "Event", "Image", "Note", "Page", "Place", "Profile", "Relationship", "Tombstone", "Video", "ChatMessage",
        "Application", "Group", "Organization", "Person", "Service", "Collection", "OrderedCollection",
    };

    private static string Known(string? type) => string.IsNullOrEmpty(type) ? "" : KnownTypes.Contains(type) ? type : "(other)";

    private const string Upsert = """
        INSERT INTO dropped_activities (server, activity_type, reason, count, first_at, last_at, last_activity_id)
        VALUES (@Server, @ActivityType, @Reason, 1, @At, @At, @ActivityId)
        ON CONFLICT (server, activity_type, reason) DO UPDATE
        SET count = dropped_activities.count + 1, last_at = excluded.last_at, last_activity_id = excluded.last_activity_id
        """;

    private const string Seen = "SELECT COUNT(*) FROM dropped_activities WHERE server = @Server AND reason = @Reason";

    /// <summary>Counts a dropped activity in its own transaction. <paramref name="sender"/> is the actor that sent it.</summary>
    public Task RecordAsync(Uri? sender, AsActivity activity, string reason, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return db.InTransactionAsync((c, tx) => RecordAsync(c, tx, sender, activity, reason), ct);
    }

    /// <summary>Counts a dropped activity in the caller's transaction.</summary>
    public async Task RecordAsync(DbConnection c, DbTransaction tx, Uri? sender, AsActivity activity, string reason)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(activity);
        var server = sender is { IsAbsoluteUri: true } ? Hosts.Authority(sender) : "(unknown)";
        var objectType = Known(activity.Object?.Embedded?.Type);
        var type = objectType.Length == 0 ? Known(activity.Type) : $"{Known(activity.Type)}({objectType})";
        var row = new { Server = server, ActivityType = type.Length > 0 ? type : "(none)", Reason = reason, At = time.GetUtcNow(), ActivityId = activity.Id?.AbsoluteUri };
        var first = await c.ExecuteScalarAsync<long>(Seen, row, tx) == 0;
        await c.ExecuteAsync(Upsert, row, tx);
        await KeepSampleAsync(c, tx, row.Server, row.ActivityType, reason, row.ActivityId, activity, row.At);
        if (first)
        {
            logger.LogInformation("Dropped {Type} {ActivityId} from {Server}: {Reason} (first time for this server and reason; counted on /admin/federation/dropped)",
                row.ActivityType, row.ActivityId, server, reason);
        }
        else
        {
            logger.LogDebug("Dropped {Type} {ActivityId} from {Server}: {Reason}", row.ActivityType, row.ActivityId, server, reason);
        }
    }

    /// <summary>Samples kept per (server, reason), how long, and how much of each body.</summary>
    public const int SamplesPerReason = 3;
    public static readonly TimeSpan SampleRetention = TimeSpan.FromDays(7);
    public const int MaxSampleChars = 8 * 1024;

    private const string InsertSample = """
        INSERT INTO dropped_samples (id, server, activity_type, reason, activity_id, body, received_at)
        VALUES (@Id, @Server, @ActivityType, @Reason, @ActivityId, @Body, @At)
        """;

    // Older than the retention, or beyond the newest few for this server and reason.
    private const string TrimSamples = """
        DELETE FROM dropped_samples WHERE received_at < @Before
           OR (server = @Server AND reason = @Reason AND id NOT IN (
                SELECT id FROM dropped_samples WHERE server = @Server AND reason = @Reason ORDER BY received_at DESC, id DESC LIMIT @Keep))
        """;

    private async Task KeepSampleAsync(DbConnection c, DbTransaction tx, string server, string type, string reason, string? activityId, AsActivity activity, DateTimeOffset at)
    {
        var body = activity.Raw.ValueKind == System.Text.Json.JsonValueKind.Undefined ? "" : activity.Raw.GetRawText();
        if (body.Length > MaxSampleChars)
        {
            body = body[..MaxSampleChars] + " …(cut)";
        }

        await c.ExecuteAsync(InsertSample, new { Id = Ids.New(time), Server = server, ActivityType = type, Reason = reason, ActivityId = activityId, Body = body, At = at }, tx);
        await c.ExecuteAsync(TrimSamples, new { Before = at - SampleRetention, Server = server, Reason = reason, Keep = SamplesPerReason }, tx);
    }

    private const string ListSamples = """
        SELECT server, activity_type, reason, activity_id, body, received_at FROM dropped_samples
        WHERE received_at >= @Since ORDER BY received_at DESC, id DESC LIMIT @Limit
        """;

    /// <summary>The newest kept bodies (within the retention), newest first.</summary>
    public async Task<IReadOnlyList<DroppedSample>> SamplesAsync(int limit, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<DroppedSample>(new CommandDefinition(ListSamples, new { Since = time.GetUtcNow() - SampleRetention, Limit = limit }, cancellationToken: ct))).ToList();
    }

    private const string List = """
        SELECT server, activity_type, reason, count, first_at, last_at, last_activity_id
        FROM dropped_activities ORDER BY last_at DESC, server, activity_type, reason LIMIT @Limit
        """;

    public async Task<IReadOnlyList<DroppedActivity>> ListAsync(int limit, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<DroppedActivity>(new CommandDefinition(List, new { Limit = limit }, cancellationToken: ct))).ToList();
    }
}
