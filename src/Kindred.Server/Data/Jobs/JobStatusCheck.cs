using Dapper;
using Kindred.Server.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kindred.Server.Data.Jobs;

/// <summary>
/// For the admin status page: background jobs (mail, retention, refreshes, ...) overdue for longer than
/// <see cref="StatusChecks.StalledAfter"/> (no node's job worker is running them), and jobs that gave up in the last day,
/// by kind (a failing mail relay shows here as <c>mail</c>).
/// </summary>
public sealed class JobStatusCheck(Database db, TimeProvider time) : IHealthCheck
{
    private const string Overdue = "SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND next_attempt_at < @before";

    private const string FailedRecently = """
        SELECT kind, COUNT(*) AS count FROM jobs WHERE state = 'failed' AND finished_at > @since GROUP BY kind ORDER BY kind
        """;

    // Jobs that failed at least twice and are waiting to try again (a mail relay that is down shows here within minutes).
    private const string Retrying = """
        SELECT kind, COUNT(*) AS count FROM jobs WHERE state = 'queued' AND attempts >= 2 GROUP BY kind ORDER BY kind
        """;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var c = await db.OpenAsync(cancellationToken);
        var overdue = await c.ExecuteScalarAsync<long>(new CommandDefinition(Overdue, new { before = now - StatusChecks.StalledAfter }, cancellationToken: cancellationToken));
        var failed = (await c.QueryAsync<(string Kind, long Count)>(new CommandDefinition(FailedRecently, new { since = now.AddDays(-1) }, cancellationToken: cancellationToken))).ToList();
        var retrying = (await c.QueryAsync<(string Kind, long Count)>(new CommandDefinition(Retrying, cancellationToken: cancellationToken))).ToList();
        var problems = new List<string>();
        if (overdue > 0)
        {
            problems.Add($"{overdue} background job(s) are more than {StatusChecks.StalledAfter.TotalMinutes:0} minutes overdue: is the server's job worker running? Check the log for 'Job worker'.");
        }

        if (retrying.Count > 0)
        {
            problems.Add("Failing and being retried: " + string.Join(", ", retrying.Select(f => $"{f.Kind} ({f.Count})")) + ".");
        }

        if (failed.Count > 0)
        {
            problems.Add("Gave up in the last day: " + string.Join(", ", failed.Select(f => $"{f.Kind} ({f.Count})")) +
                         ". A mail job here means e-mail is not going out: check the mail settings with 'admin mail test'.");
        }

        return problems.Count == 0 ? StatusChecks.Ok("Background jobs are running; none gave up in the last day.") : StatusChecks.Attention(string.Join(" ", problems));
    }
}
