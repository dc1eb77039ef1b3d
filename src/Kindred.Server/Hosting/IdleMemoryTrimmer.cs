namespace Kindred.Server.Hosting;

/// <summary>
/// Gives memory back to the operating system when the server goes quiet. A charity's instance is idle most of the day on
/// a small machine, yet the garbage collector keeps the space the last burst of requests used. Every few seconds this
/// looks at how much the process has allocated: after a burst (more than <see cref="BurstBytes"/> since the last trim)
/// followed by <see cref="QuietFor"/> of near silence, it runs one aggressive, compacting collection, which decommits
/// free memory. While requests keep arriving it does nothing, so it never costs a busy server anything.
/// </summary>
public sealed class IdleMemoryTrimmer(ILogger<IdleMemoryTrimmer> logger) : BackgroundService
{
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan QuietFor = TimeSpan.FromSeconds(10);
    public const long BurstBytes = 4 * 1024 * 1024;
    public const long QuietBytes = 512 * 1024;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick);
        var atLastTrim = GC.GetTotalAllocatedBytes();
        var quietSince = DateTimeOffset.UtcNow;
        var last = atLastTrim;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = GC.GetTotalAllocatedBytes();
                if (now - last > QuietBytes)
                {
                    quietSince = DateTimeOffset.UtcNow;
                }

                last = now;
                if (now - atLastTrim > BurstBytes && DateTimeOffset.UtcNow - quietSince >= QuietFor)
                {
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    atLastTrim = last = GC.GetTotalAllocatedBytes();
                    logger.LogDebug("Idle: memory trimmed to a {Heap} byte heap", GC.GetTotalMemory(false));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
