using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Kindred.Server.Tests.TestRig;

/// <summary>
/// Servers on a fake clock. Kindred takes its <see cref="TimeProvider"/> from the container (a default the tests may
/// replace), so with a <see cref="FakeTimeProvider"/> every backoff, lease, cool-down, poll and timestamp follows a
/// clock that moves only when the test moves it: a test that used to sleep through a retry delay advances the clock
/// instead, and work that is not yet due cannot happen early by chance. The clock starts at the real time, so what
/// real clocks sign (fake remotes, the Fedify peer) is still within the signature window, and stands still until
/// advanced (so ids made in one millisecond are not ordered by time: tests on a fake clock do not rely on that).
/// </summary>
public static class FakeClock
{
    public static FakeTimeProvider StartingNow() => new(TimeProvider.System.GetUtcNow());

    /// <summary>Makes <paramref name="clock"/> the server's clock (call from a fixture's ConfigureBuilder).</summary>
    public static void Use(WebApplicationBuilder builder, TimeProvider clock) => builder.Services.AddSingleton(clock);
}

/// <summary>A fixture whose server runs on <see cref="Clock"/>.</summary>
public interface IFakeClock
{
    FakeTimeProvider Clock { get; }
}
