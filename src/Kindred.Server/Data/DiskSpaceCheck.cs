using Kindred.Server.Configuration;
using Kindred.Server.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Kindred.Server.Data;

/// <summary>
/// For the admin status page: free space where the data directory lives (SQLite database, key ring certificate, mail
/// pickup folder, exports). Below 10 % or 2 GiB it needs attention; below 2 % or 500 MiB writes may soon fail.
/// </summary>
public sealed class DiskSpaceCheck(IOptions<KindredOptions> options) : IHealthCheck
{
    public const long AttentionBytes = 2L * 1024 * 1024 * 1024;
    public const long CriticalBytes = 500L * 1024 * 1024;

    /// <summary>Free and total bytes of the volume holding <paramref name="path"/>; replaceable in tests.</summary>
    public Func<string, (long Free, long Total)> Measure { get; set; } = path =>
    {
        var drive = new DriveInfo(Path.GetPathRoot(path) is { Length: > 0 } root ? FindMount(path) ?? root : path);
        return (drive.AvailableFreeSpace, drive.TotalSize);
    };

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var dir = Path.GetFullPath(options.Value.DataDirectory);
        try
        {
            var (free, total) = Measure(Directory.Exists(dir) ? dir : Path.GetDirectoryName(dir) ?? dir);
            var percent = total > 0 ? 100.0 * free / total : 100;
            var said = $"{Size(free)} free of {Size(total)} ({percent:0}%) where the data directory is ({dir}).";
            return Task.FromResult(free < CriticalBytes || percent < 2
                ? HealthCheckResult.Unhealthy("Disk almost full: " + said + " Free space now, or the database may stop accepting posts.")
                : free < AttentionBytes || percent < 10
                    ? StatusChecks.Attention("Disk getting full: " + said + " Old backups and exports are the usual culprits.")
                    : StatusChecks.Ok(said));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return Task.FromResult(StatusChecks.Attention($"Could not read the free space of {dir}: {ex.Message}"));
        }
    }

    // The mount point that holds the path (the longest matching drive name), so a volume mounted at /var/lib/kindred is read, not /.
    private static string? FindMount(string path) =>
        DriveInfo.GetDrives().Select(d => d.Name).Where(n => path.StartsWith(n, StringComparison.Ordinal)).OrderByDescending(n => n.Length).FirstOrDefault();

    private static string Size(long bytes) => bytes >= 1024L * 1024 * 1024
        ? $"{bytes / (1024.0 * 1024 * 1024):0.0} GiB"
        : $"{bytes / (1024.0 * 1024):0} MiB";
}
