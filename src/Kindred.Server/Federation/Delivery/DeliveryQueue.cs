using System.Data.Common;
using System.Text.Json;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Configuration;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Delivery;

/// <summary>
/// How domain code sends an activity: it writes delivery jobs in its own transaction (so a rolled-back change sends
/// nothing, and a committed one is delivered even if the process dies right after), and the delivery worker does the
/// HTTP. Domain code never sends HTTP itself.
/// </summary>
public sealed class DeliveryQueue(Database db, TimeProvider time, IOptions<DeliveryOptions> options, IOptions<KindredOptions> kindred, DeliverySignal signal,
    Policy.FederationPolicy policy)
{
    private const string InsertHost = """
        INSERT INTO delivery_hosts (host, state, consecutive_failures) VALUES (@Host, 'closed', 0)
        ON CONFLICT (host) DO NOTHING
        """;

    private const string InsertJob = """
        INSERT INTO delivery_jobs (id, activity_id, actor_id, inbox_url, target_host, body, state, attempts, next_attempt_at, give_up_at, created_at)
        VALUES (@Id, @ActivityId, @ActorId, @InboxUrl, @TargetHost, @Body, 'queued', 0, @Now, @GiveUpAt, @Now)
        ON CONFLICT (activity_id, inbox_url) DO NOTHING
        """;

    /// <summary>
    /// Queues <paramref name="activityJson"/> (sent byte for byte as given) for every target, signed as
    /// <paramref name="actorId"/>. Targets are deduplicated the way Mastodon does it: each goes to its instance's shared
    /// inbox when it has one, otherwise to its own inbox, and each distinct inbox gets one job. Targets on this instance
    /// are skipped (local delivery is not HTTP). Enqueueing the same activity to the same inbox twice is a no-op.
    /// Returns the number of jobs written. The worker is woken when the caller's transaction commits.
    /// </summary>
    public async Task<int> EnqueueAsync(DbConnection connection, DbTransaction transaction, string actorId, string activityJson,
        IEnumerable<DeliveryTarget> targets, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrWhiteSpace(actorId);
        ArgumentException.ThrowIfNullOrWhiteSpace(activityJson);
        var activityId = ActivityId(activityJson);
        var inboxes = FanOut(targets, new Uri(kindred.Value.PublicUrl));
        // Federation policy (issue 13): nothing is queued for a suspended or (in allowlist mode) unlisted server.
        var allowed = new List<Uri>(inboxes.Count);
        foreach (var inbox in inboxes)
        {
            if (!(await policy.DecideAsync(inbox, ct)).Refused)
            {
                allowed.Add(inbox);
            }
        }

        inboxes = allowed;
        if (inboxes.Count == 0)
        {
            return 0;
        }

        var now = time.GetUtcNow();
        var giveUpAt = now + options.Value.GiveUpAfter;
        var hosts = inboxes.Select(Hosts.Authority).Distinct(StringComparer.Ordinal).Select(h => new { Host = h });
        await connection.ExecuteAsync(new CommandDefinition(InsertHost, hosts, transaction, cancellationToken: ct));
        var jobs = inboxes.Select(inbox => new
        {
            Id = Ids.New(time),
            ActivityId = activityId,
            ActorId = actorId,
            InboxUrl = inbox.AbsoluteUri,
            TargetHost = Hosts.Authority(inbox),
            Body = activityJson,
            Now = now,
            GiveUpAt = giveUpAt,
        });
        var written = await connection.ExecuteAsync(new CommandDefinition(InsertJob, jobs, transaction, cancellationToken: ct));
        if (written > 0)
        {
            db.AfterCommit(transaction, _wake ??= signal.Wake);
        }

        return written;
    }

    private Action? _wake;

    /// <summary>Tells the worker to look now, for jobs changed other than through <see cref="EnqueueAsync"/> (which wakes
    /// it by itself when the caller's transaction commits).</summary>
    public void Wake() => signal.Wake();

    /// <summary>Tells the worker that jobs were committed, so it claims them now instead of at its next poll.</summary>

    /// <summary>The distinct inboxes to send to: shared inbox when known, else the actor's inbox; never our own host.</summary>
    public static IReadOnlyList<Uri> FanOut(IEnumerable<DeliveryTarget> targets, Uri ownOrigin)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var own = Hosts.Authority(ownOrigin);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<Uri>();
        foreach (var target in targets)
        {
            var inbox = target.SharedInbox is { } shared && IsWebUrl(shared) ? shared : target.Inbox;
            if (!IsWebUrl(inbox) || Hosts.Authority(inbox) == own)
            {
                continue;
            }

            if (seen.Add(inbox.AbsoluteUri))
            {
                result.Add(inbox);
            }
        }

        return result;
    }

    private static bool IsWebUrl(Uri url) => url.IsAbsoluteUri && url.Scheme is "https" or "http" && !string.IsNullOrEmpty(url.Host);

    private static string ActivityId(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(id.GetString()))
            {
                return id.GetString()!;
            }
        }
        catch (JsonException ex)
        {
            throw new ArgumentException("The activity is not valid JSON.", nameof(json), ex);
        }

        throw new ArgumentException("The activity has no id; every delivered activity needs one (receivers deduplicate by it).", nameof(json));
    }
}

/// <summary>Wakes the delivery worker early (new jobs committed, slots freed, an admin resumed an instance).</summary>
public sealed class DeliverySignal : Data.Jobs.WorkSignal;
