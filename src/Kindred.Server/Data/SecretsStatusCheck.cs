using Kindred.Server.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kindred.Server.Data;

/// <summary>
/// For the admin status page: the key ring certificate (which decrypts every actor key and secret) is still there and
/// readable by Kindred's user only, and expires no sooner than in 30 days.
/// </summary>
public sealed class SecretsStatusCheck(KeyRingProtection keyRing, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var path = keyRing.Path;
        if (!File.Exists(path))
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(
                $"The key ring certificate {path} is missing: Kindred will not start again without it. Restore it from your secrets backup now."));
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            return Task.FromResult(StatusChecks.Attention(
                $"The key ring certificate {path} can be read by other users of this machine: run 'chmod 600 {path}'."));
        }

        var expires = new DateTimeOffset(keyRing.Current.NotAfter.ToUniversalTime());
        if (expires < time.GetUtcNow().AddDays(30))
        {
            return Task.FromResult(StatusChecks.Attention(
                $"The key ring certificate expires on {expires:yyyy-MM-dd}: rotate it (admin guide, \"Secrets\")."));
        }

        return Task.FromResult(StatusChecks.Ok($"The key ring certificate is in place, private to Kindred, valid until {expires:yyyy-MM-dd}."));
    }
}
