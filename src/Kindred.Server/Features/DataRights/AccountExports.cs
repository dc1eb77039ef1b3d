using Dapper;
using Kindred.Server.Configuration;
using Kindred.Server.Data;
using Kindred.Server.Data.Jobs;
using Kindred.Server.Features.Notifications;
using Microsoft.Extensions.Options;

namespace Kindred.Server.Features.DataRights;

/// <summary>One export request as the member sees it.</summary>
public sealed record AccountExport
{
    public Guid Id { get; init; }
    public Guid UserId { get; init; }
    public string State { get; init; } = "";
    public int Progress { get; init; }
    public string RequestedBy { get; init; } = "";
    public DateTimeOffset RequestedAt { get; init; }
    public DateTimeOffset? ReadyAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public long? SizeBytes { get; init; }
    public string? Error { get; init; }

    public bool IsActive => State is AccountExports.States.Queued or AccountExports.States.Building;
}

public enum ExportRequestOutcome
{
    Started,
    AlreadyRunning,
    TooMany,
}

/// <summary>
/// The owner of <c>account_exports</c>: a member asks for an export (one at a time, <c>Kindred:Accounts:ExportsPerDay</c>
/// a day), a job builds the ZIP with <see cref="ExportArchive"/> and stores it, the member is notified and can download it
/// until it expires; an hourly job deletes expired ZIPs.
/// </summary>
public sealed class AccountExports(Database db, JobQueue jobs, ExportArchive archive, Notifications.Notifications notifications,
    IOptions<KindredOptions> options, TimeProvider time, ILogger<AccountExports> logger)
{
    public const string BuildJob = "accounts.export";
    public const string PruneJob = "accounts.export-prune";

    public static class States
    {
        public const string Queued = "queued";
        public const string Building = "building";
        public const string Ready = "ready";
        public const string Failed = "failed";
        public const string Expired = "expired";
    }

    private const string Columns = "id, user_id, state, progress, requested_by, requested_at, ready_at, expires_at, size_bytes, error";

    private static readonly string Latest = $"SELECT {Columns} FROM account_exports WHERE user_id = @userId ORDER BY requested_at DESC, id DESC LIMIT 1";

    /// <summary>The member's most recent export, or null.</summary>
    public async Task<AccountExport?> LatestAsync(Guid userId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return Visible(await c.QuerySingleOrDefaultAsync<AccountExport>(new CommandDefinition(Latest, new { userId }, cancellationToken: ct)));
    }

    private const string RecentCount = "SELECT COUNT(*) FROM account_exports WHERE user_id = @userId AND requested_at > @since AND requested_by = 'member'";

    private const string Insert = """
        INSERT INTO account_exports (id, user_id, state, progress, requested_by, requested_at)
        VALUES (@Id, @UserId, 'queued', 0, @RequestedBy, @At)
        """;

    /// <summary>
    /// Starts an export (the caller has checked the password), or answers with the one still being built. Members may ask
    /// <c>ExportsPerDay</c> times in 24 hours; admins (<paramref name="byAdmin"/>) are not counted.
    /// </summary>
    public async Task<(ExportRequestOutcome Outcome, AccountExport? Export)> RequestAsync(Guid userId, bool byAdmin = false, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var result = await db.InTransactionAsync(async (c, tx) =>
        {
            var latest = await c.QuerySingleOrDefaultAsync<AccountExport>(Latest, new { userId }, tx);
            if (latest is { IsActive: true })
            {
                return (ExportRequestOutcome.AlreadyRunning, latest.Id);
            }

            if (!byAdmin && await c.ExecuteScalarAsync<long>(RecentCount, new { userId, since = now - TimeSpan.FromDays(1) }, tx) >= options.Value.Accounts.ExportsPerDay)
            {
                return (ExportRequestOutcome.TooMany, latest?.Id);
            }

            var id = Ids.New(time);
            await c.ExecuteAsync(Insert, new { Id = id, UserId = userId, RequestedBy = byAdmin ? "admin" : "member", At = now }, tx);
            await jobs.EnqueueAsync(c, tx, BuildJob, id.ToString(), dedupeKey: id.ToString(), maxAttempts: 3);
            return (ExportRequestOutcome.Started, (Guid?)id);
        }, ct);
        return (result.Item1, result.Item2 is { } exportId ? await FindAsync(exportId, ct) : null);
    }

    private static readonly string ById = $"SELECT {Columns} FROM account_exports WHERE id = @id";

    public async Task<AccountExport?> FindAsync(Guid id, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return Visible(await c.QuerySingleOrDefaultAsync<AccountExport>(new CommandDefinition(ById, new { id }, cancellationToken: ct)));
    }

    private const string Content = "SELECT content FROM account_exports WHERE id = @id AND user_id = @userId AND state = 'ready' AND expires_at > @now";

    /// <summary>The ZIP of the member's latest export while it may be downloaded, else null.</summary>
    public async Task<(AccountExport Export, byte[] Zip)?> DownloadAsync(Guid userId, CancellationToken ct = default)
    {
        var latest = await LatestAsync(userId, ct);
        if (latest is not { State: States.Ready })
        {
            return null;
        }

        await using var c = await db.OpenAsync(ct);
        var zip = await c.ExecuteScalarAsync<byte[]?>(new CommandDefinition(Content, new { id = latest.Id, userId, now = time.GetUtcNow() }, cancellationToken: ct));
        return zip is null ? null : (latest, zip);
    }

    private const string SetState = "UPDATE account_exports SET state = @state, progress = @progress WHERE id = @id AND state IN ('queued', 'building')";

    private const string Store = """
        UPDATE account_exports SET state = 'ready', progress = 100, content = @content, size_bytes = @size, ready_at = @now, expires_at = @expires, error = NULL
        WHERE id = @id AND state IN ('queued', 'building')
        """;

    private const string Fail = "UPDATE account_exports SET state = 'failed', error = @error WHERE id = @id AND state IN ('queued', 'building')";

    /// <summary>The build job: idempotent (a finished export is left alone; a half-built one is built again from the start).</summary>
    public async Task BuildAsync(Job job, CancellationToken ct)
    {
        if (!Guid.TryParse(job.Payload, out var id))
        {
            throw new PermanentJobFailureException("The export job's payload is not an export id.");
        }

        var export = await FindAsync(id, ct);
        if (export is not { IsActive: true })
        {
            return;
        }

        try
        {
            using var buffer = new MemoryStream();
            await using (var c = await db.OpenAsync(ct))
            {
                await archive.WriteAsync(c, export.UserId, buffer,
                    p => db.InTransactionAsync((w, tx) => w.ExecuteAsync(SetState, new { id, state = States.Building, progress = p }, tx), ct), ct);
            }

            var now = time.GetUtcNow();
            var content = buffer.ToArray();
            await db.InTransactionAsync(async (c, tx) =>
            {
                if (await c.ExecuteAsync(Store, new { id, content, size = (long)content.Length, now, expires = now + options.Value.Accounts.ExportKeptFor }, tx) == 1)
                {
                    await notifications.AddForAccountAsync(c, tx, export.UserId, NotificationKinds.ExportReady);
                }
            }, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && job.Attempts >= job.MaxAttempts)
        {
            logger.LogWarning(ex, "Export {Id} failed for good", id);
            await db.InTransactionAsync((c, tx) => c.ExecuteAsync(Fail, new { id, error = "Building the export failed. Please ask again; if it keeps failing, tell the admins." }, tx),
                CancellationToken.None);
            throw;
        }
    }

    private const string Prune = """
        UPDATE account_exports SET state = 'expired', content = NULL WHERE content IS NOT NULL AND expires_at <= @now
        """;

    private const string ForgetOld = "DELETE FROM account_exports WHERE requested_at < @before AND content IS NULL";

    /// <summary>The hourly job: deletes the ZIPs whose link expired, and forgets requests older than 30 days.</summary>
    public async Task PruneAsync(Job job, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await db.InTransactionAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(Prune, new { now }, tx);
            await c.ExecuteAsync(ForgetOld, new { before = now - TimeSpan.FromDays(30) }, tx);
        }, ct);
    }

    /// <summary>A ready export past its time reads as expired even before the hourly job clears it.</summary>
    private AccountExport? Visible(AccountExport? e) =>
        e is { State: States.Ready, ExpiresAt: { } until } && until <= time.GetUtcNow() ? e with { State = States.Expired } : e;
}
