using Kindred.BrowserTests.Rig;
using Kindred.Server.Tests.TestRig;

namespace Kindred.BrowserTests.Tests;

/// <summary>Every page loads nothing from any other origin and carries its security headers.</summary>
public sealed class NetworkAndHeadersTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(Visitor.SignedOut)]
    [InlineData(Visitor.Member)]
    [InlineData(Visitor.Admin)]
    public async Task Every_page_loads_only_from_the_instance_and_sets_security_headers(Visitor visitor)
    {
        var pages = await fixture.PagesForAsync(visitor);
        Assert.NotEmpty(pages);
        await using var session = await fixture.NewSessionAsync(visitor, BrowserFixture.PhoneWidth);
        var failures = new List<string>();
        foreach (var page in pages)
        {
            var response = await session.OpenAsync(page.Url);
            var headers = await response.AllHeadersAsync();
            var problems = new List<string>();
            void Expect(string header, Func<string, bool> ok, string want)
            {
                if (!headers.TryGetValue(header, out var value) || !ok(value))
                {
                    problems.Add($"{header}: {(value is null ? "missing" : $"'{value}'")}, want {want}");
                }
            }
            Expect("content-security-policy", v => v.Contains("script-src 'none'", StringComparison.Ordinal) && v.Contains("default-src 'none'", StringComparison.Ordinal)
                && v.Contains("frame-ancestors 'none'", StringComparison.Ordinal) && !v.Contains("unsafe-", StringComparison.Ordinal), "default-src/script-src/frame-ancestors 'none', nothing unsafe");
            Expect("x-content-type-options", v => v == "nosniff", "nosniff");
            Expect("x-frame-options", v => v == "DENY", "DENY");
            Expect("referrer-policy", v => v == "no-referrer", "no-referrer");
            Expect("cross-origin-opener-policy", v => v == "same-origin", "same-origin");
            Expect("permissions-policy", v => v.Contains("camera=()", StringComparison.Ordinal), "camera=() and friends");
            Expect("x-robots-tag", v => v.Contains("noindex", StringComparison.Ordinal), "noindex (default)");
            Expect("content-type", v => v.StartsWith("text/html", StringComparison.Ordinal), "text/html");
            if (session.ForeignRequests() is { Count: > 0 } foreign)
            {
                problems.Add("requests outside the instance: " + string.Join(", ", foreign));
            }
            if (problems.Count > 0)
            {
                var dir = await Artifacts.SaveAsync(session.Page, $"{visitor}-{page.Url}", string.Join("\n", problems));
                failures.Add($"{page} as {visitor}:\n  {string.Join("\n  ", problems)}\n  Screenshot and HTML: {dir}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    [Fact]
    public async Task The_request_recorder_catches_a_request_to_another_origin()
    {
        // Proves the check above can fail: an image from elsewhere, added to a real page, is seen (and cannot load).
        await using var session = await fixture.NewSessionAsync();
        await session.OpenAsync("/");
        await session.Page.EvaluateAsync("() => { const img = document.createElement('img'); img.alt = ''; img.src = 'http://tracker.example/pixel.png'; document.body.append(img); }");
        await Eventually.UntilAsync("the browser to ask for the image", () => session.ForeignRequests().Count > 0);
        Assert.Contains("http://tracker.example/pixel.png", session.ForeignRequests());
    }
}
