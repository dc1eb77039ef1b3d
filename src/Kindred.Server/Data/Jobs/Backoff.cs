namespace Kindred.Server.Data.Jobs;

/// <summary>
/// The one retry schedule of every queue (jobs, inbox, delivery, remote group refresh): exponential backoff with
/// "equal jitter". After the n-th failed attempt wait between half and all of first * 2^(n-1), capped at max. Jitter
/// spreads the retries of a large fan-out so a server coming back is not hit by all of them at once.
/// </summary>
public static class Backoff
{
    /// <param name="attemptsMade">Attempts so far, including the one that just failed (1 after the first failure).</param>
    /// <param name="random">A number in [0, 1]: 0 gives the shortest wait, 1 the longest.</param>
    public static TimeSpan After(int attemptsMade, TimeSpan first, TimeSpan max, double random)
    {
        var exponent = Math.Clamp(attemptsMade - 1, 0, 40);
        var ms = Math.Min(first.TotalMilliseconds * Math.Pow(2, exponent), max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((ms / 2) + (ms / 2 * Math.Clamp(random, 0, 1)));
    }
}
