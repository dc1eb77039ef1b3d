using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Configuration;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Admin;

/// <summary>The settings admins may change at run time, layered over the configuration file.</summary>
public sealed record InstanceSettingsSnapshot(
    string InstanceName,
    string Description,
    string RegistrationMode,
    string Guidelines,
    int GuidelinesVersion,
    bool AllowSearchIndexing)
{
    /// <summary>The label recorded when someone accepts the guidelines, e.g. "v3".</summary>
    public string GuidelinesLabel => $"v{GuidelinesVersion}";
}

/// <summary>
/// Reads and writes <c>instance_settings</c>. Values are cached for a few seconds, so several app nodes converge
/// quickly without a query on every page.
/// </summary>
public sealed class InstanceSettings(Database db, IOptions<KindredOptions> options, TimeProvider time)
{
    public const string DefaultGuidelines = """
        ## Our community guidelines

        - **Be kind.** Everyone here is going through something. Reply as you would want to be replied to.
        - **Share experiences, not instructions.** Talk about how you feel and what helped you; never describe methods of self-harm or give numbers (weights, doses, amounts).
        - **Respect privacy.** What people share here stays here. Do not share anyone's details or screenshots.
        - **No selling, no diagnosing.** Peer support is not medical advice; encourage professional help where it fits.
        - **Look after yourself.** You can take a break at any time. If you are in danger, use the urgent help page.

        Moderators may hide posts or remove people who break these guidelines.
        """;

    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private volatile Cached? _cached;

    private sealed record Cached(InstanceSettingsSnapshot Value, DateTimeOffset At);

    private const string SelectAll = "SELECT key, value FROM instance_settings";

    public async Task<InstanceSettingsSnapshot> GetAsync(CancellationToken ct = default)
    {
        var cached = _cached;
        if (cached is not null && time.GetUtcNow() - cached.At < CacheFor)
        {
            return cached.Value;
        }

        await using var connection = await db.OpenAsync(ct);
        var rows = (await connection.QueryAsync<(string Key, string Value)>(SelectAll)).ToDictionary(r => r.Key, r => r.Value);
        var o = options.Value;
        var snapshot = new InstanceSettingsSnapshot(
            InstanceName: rows.GetValueOrDefault("instance_name") ?? o.InstanceName,
            Description: rows.GetValueOrDefault("description") ?? "A peer-support community.",
            RegistrationMode: rows.GetValueOrDefault("registration_mode") ?? o.Registration.Mode.Trim().ToLowerInvariant(),
            Guidelines: rows.GetValueOrDefault("guidelines") ?? DefaultGuidelines,
            GuidelinesVersion: int.TryParse(rows.GetValueOrDefault("guidelines_version"), out var v) ? v : 1,
            AllowSearchIndexing: rows.TryGetValue("allow_search_indexing", out var idx) ? idx == "true" : o.AllowSearchIndexing);
        _cached = new Cached(snapshot, time.GetUtcNow());
        return snapshot;
    }

    private const string Upsert = """
        INSERT INTO instance_settings (key, value, updated_at) VALUES (@key, @value, @at)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
        """;

    /// <summary>Saves the admin's changes. Changing the guidelines text bumps their version, so new acceptances are recorded against it.</summary>
    public async Task SaveAsync(InstanceSettingsSnapshot changed, CancellationToken ct = default)
    {
        var current = await GetAsync(ct);
        var version = current.GuidelinesVersion + (NormaliseText(changed.Guidelines) != NormaliseText(current.Guidelines) ? 1 : 0);
        var at = time.GetUtcNow();
        await db.InTransactionAsync(async (c, tx) =>
        {
            foreach (var (key, value) in new[]
                     {
                         ("instance_name", changed.InstanceName),
                         ("description", changed.Description),
                         ("registration_mode", changed.RegistrationMode),
                         ("guidelines", changed.Guidelines),
                         ("guidelines_version", version.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                         ("allow_search_indexing", changed.AllowSearchIndexing ? "true" : "false"),
                     })
            {
                await c.ExecuteAsync(Upsert, new { key, value, at }, tx);
            }
        }, ct);
        _cached = null;
    }

    private static string NormaliseText(string s) => s.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
}
