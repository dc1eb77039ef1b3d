using System.Diagnostics;

namespace Kindred.Server.Tests.TestRig;

/// <summary>
/// The one way tests wait for work done in the background (workers, deliveries, other instances): check a condition
/// until it holds, pausing a little longer each time (20 ms, doubling, at most 250 ms), and fail after
/// <see cref="Patience"/> saying what was awaited, with <c>explain</c>'s account of the state at that moment. The
/// patience is a limit for slow, shared machines, never an assertion about speed. Waiting on a clock the test controls
/// (<see cref="FakeClock"/>) needs no waiting at all: advance it.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(250);

    public static async Task UntilAsync(string what, Func<Task<bool>> condition, Func<Task<string>>? explain = null)
    {
        var started = Stopwatch.GetTimestamp();
        var pause = FirstPause;
        while (!await condition())
        {
            if (Stopwatch.GetElapsedTime(started) > Patience)
            {
                var state = explain is null ? "" : "\n" + await explain();
                Assert.Fail($"Gave up after {Patience.TotalSeconds:N0} s waiting for {what}.{state}");
            }

            await Task.Delay(pause, TestContext.Current.CancellationToken);
            pause = pause * 2 < LongestPause ? pause * 2 : LongestPause;
        }
    }

    public static Task UntilAsync(string what, Func<bool> condition, Func<Task<string>>? explain = null) =>
        UntilAsync(what, () => Task.FromResult(condition()), explain);
}
