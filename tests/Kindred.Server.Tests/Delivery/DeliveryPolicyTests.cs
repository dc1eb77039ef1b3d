using System.Net;
using System.Net.Http.Headers;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Delivery;

/// <summary>The pure parts: classification, backoff, Retry-After, breaker cool-down, fan-out and the SSRF address check.</summary>
public sealed class DeliveryPolicyTests
{
    private static readonly DeliveryOptions Defaults = new();

    [Theory]
    [InlineData(200, AttemptKind.Delivered)]
    [InlineData(202, AttemptKind.Delivered)]
    [InlineData(301, AttemptKind.Rejected)]
    [InlineData(400, AttemptKind.Rejected)]
    [InlineData(401, AttemptKind.Rejected)]
    [InlineData(410, AttemptKind.Rejected)]
    [InlineData(408, AttemptKind.Unavailable)]
    [InlineData(429, AttemptKind.Throttled)]
    [InlineData(500, AttemptKind.Unavailable)]
    [InlineData(503, AttemptKind.Unavailable)]
    public void Answers_are_classified(int status, AttemptKind kind) => Assert.Equal(kind, RetryPolicy.Classify(status));

    [Fact]
    public void The_first_retry_comes_within_30_seconds_and_later_ones_double_up_to_the_cap()
    {
        Assert.InRange(RetryPolicy.Backoff(1, Defaults, 0), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));
        Assert.InRange(RetryPolicy.Backoff(1, Defaults, 1), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));
        Assert.Equal(RetryPolicy.Backoff(2, Defaults, 1), 2 * RetryPolicy.Backoff(1, Defaults, 1));
        Assert.Equal(Defaults.MaxRetryDelay, RetryPolicy.Backoff(60, Defaults, 1));
        Assert.Equal(Defaults.MaxRetryDelay / 2, RetryPolicy.Backoff(60, Defaults, 0));
    }

    [Fact]
    public void Retry_after_is_read_as_seconds_or_as_a_date_and_capped()
    {
        var now = new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromSeconds(120), RetryPolicy.RetryAfter(RetryConditionHeaderValue.Parse("120"), now, TimeSpan.FromHours(1)));
        Assert.Equal(TimeSpan.FromMinutes(5), RetryPolicy.RetryAfter(RetryConditionHeaderValue.Parse("Mon, 02 Nov 2026 10:05:00 GMT"), now, TimeSpan.FromHours(1)));
        Assert.Equal(TimeSpan.Zero, RetryPolicy.RetryAfter(RetryConditionHeaderValue.Parse("Mon, 02 Nov 2026 09:00:00 GMT"), now, TimeSpan.FromHours(1)));
        Assert.Equal(TimeSpan.FromHours(1), RetryPolicy.RetryAfter(RetryConditionHeaderValue.Parse("999999"), now, TimeSpan.FromHours(1)));
        Assert.Null(RetryPolicy.RetryAfter(null, now, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void The_breaker_cool_down_doubles_with_each_failed_probe_up_to_the_cap()
    {
        var o = new DeliveryOptions { BreakerFailureThreshold = 10, BreakerCooldown = TimeSpan.FromMinutes(2), BreakerMaxCooldown = TimeSpan.FromHours(1) };
        Assert.Equal(TimeSpan.FromMinutes(2), RetryPolicy.BreakerCooldown(10, o));
        Assert.Equal(TimeSpan.FromMinutes(4), RetryPolicy.BreakerCooldown(11, o));
        Assert.Equal(TimeSpan.FromHours(1), RetryPolicy.BreakerCooldown(40, o));
    }

    [Fact]
    public void A_job_whose_next_try_falls_past_its_horizon_is_given_up()
    {
        var now = DateTimeOffset.UtcNow;
        var job = new ClaimedJob { Id = Guid.NewGuid(), TargetHost = "a.example", Attempts = 3, GiveUpAt = now.AddSeconds(1) };
        var outcome = DeliveryWorker.Decide(job, new AttemptResult(AttemptKind.Unavailable, 503, "HTTP 503"), now, Defaults);
        Assert.Equal(JobOutcome.GaveUp, outcome.Outcome);
        Assert.Equal(HostEffect.Down, outcome.Effect);

        var retried = DeliveryWorker.Decide(new ClaimedJob { Id = job.Id, TargetHost = "a.example", Attempts = 1, GiveUpAt = now.AddDays(7) },
            new AttemptResult(AttemptKind.Throttled, 429, "HTTP 429", RetryConditionHeaderValue.Parse("60")), now, Defaults);
        Assert.Equal(JobOutcome.Retry, retried.Outcome);
        Assert.Equal(now.AddSeconds(60), retried.NextAttemptAt);
        Assert.Equal(HostEffect.Throttled, retried.Effect);
    }

    [Fact]
    public void Fan_out_prefers_shared_inboxes_and_skips_our_own_instance()
    {
        var own = new Uri("https://kindred.example");
        var inboxes = DeliveryQueue.FanOut(
        [
            new(new Uri("https://a.example/users/1/inbox"), new Uri("https://a.example/inbox")),
            new(new Uri("https://a.example/users/2/inbox"), new Uri("https://a.example/inbox")),
            new(new Uri("https://b.example/users/3/inbox")),
            new(new Uri("https://b.example/users/3/inbox")),
            new(new Uri("https://kindred.example/users/me/inbox")),
            new(new Uri("ftp://c.example/inbox")),
        ], own);
        Assert.Equal(["https://a.example/inbox", "https://b.example/users/3/inbox"], inboxes.Select(u => u.AbsoluteUri));
        Assert.Equal("b.example:8443", Hosts.Authority(new Uri("https://B.example:8443/inbox")));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.20.0.1", true)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("64:ff9b::a00:1", true)]
    [InlineData("93.184.215.14", false)]
    [InlineData("2606:4700::1111", false)]
    [InlineData("172.32.0.1", false)]
    public void Private_addresses_are_recognised(string address, bool isPrivate) =>
        Assert.Equal(isPrivate, Kindred.Server.Federation.Resolution.SsrfGuard.IsForbidden(IPAddress.Parse(address)));
}
