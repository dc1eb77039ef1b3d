using Kindred.Server.Web;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Kindred.BrowserTests.Rig;
using Microsoft.Playwright;

namespace Kindred.BrowserTests.Tests;

/// <summary>
/// axe-core (bundled in Deque.AxeCore.Playwright, so it runs offline) on every page of the catalog, at desktop and
/// phone widths, signed out, as a member and as an admin: no serious or critical WCAG 2.2 A/AA violations.
/// </summary>
public sealed class AccessibilityTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    public static readonly List<string> WcagTags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

    private static AxeRunOptions Options => new() { RunOnly = new RunOnlyOptions { Type = "tag", Values = WcagTags } };

    public static TheoryData<Visitor, int> Views => new()
    {
        { Visitor.SignedOut, BrowserFixture.DesktopWidth },
        { Visitor.SignedOut, BrowserFixture.PhoneWidth },
        { Visitor.Member, BrowserFixture.DesktopWidth },
        { Visitor.Member, BrowserFixture.PhoneWidth },
        { Visitor.Admin, BrowserFixture.DesktopWidth },
        { Visitor.Admin, BrowserFixture.PhoneWidth },
    };

    [Theory]
    [MemberData(nameof(Views))]
    public async Task Every_page_passes_axe(Visitor visitor, int width)
    {
        var pages = await fixture.PagesForAsync(visitor);
        Assert.NotEmpty(pages);
        // axe is JavaScript injected by the test; the pages themselves have none (CSP script-src 'none'), so turning
        // JavaScript on in this context changes nothing they do. Playwright evaluates through the DevTools protocol,
        // which the page's CSP does not govern, so BypassCSP is not needed and the real CSP stays in force.
        await using var session = await fixture.NewSessionAsync(visitor, width, javaScript: true);
        var failures = new List<string>();
        foreach (var page in pages)
        {
            var problems = await CheckAsync(session, page.Url, page.ExpectedStatus);
            if (problems.Count > 0)
            {
                var dir = await Artifacts.SaveAsync(session.Page, $"{visitor}-{width}px-{page.Url}", string.Join("\n", problems));
                failures.Add($"{page} as {visitor} at {width}px:\n  {string.Join("\n  ", problems)}\n  Screenshot and HTML: {dir}");
            }
        }
        session.AssertNoForeignRequests();
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    [Fact]
    public async Task Forms_showing_errors_pass_axe()
    {
        await using var session = await fixture.NewSessionAsync(Visitor.SignedOut, BrowserFixture.PhoneWidth, javaScript: true);
        await session.RunAsync("register-with-errors", async page =>
        {
            await session.OpenAsync("/register");
            await Journeys.PressButtonAsync(page, "Register");
            await Assertions.Expect(page.Locator(".error-summary")).ToBeVisibleAsync();
            Assert.Empty(await AxeProblemsAsync(page));
        });
        await session.RunAsync("signin-with-error", async page =>
        {
            await session.OpenAsync("/signin");
            await Journeys.TypeAsync(page, "Username", "nobody_here");
            await Journeys.TypeAsync(page, "Password", "not the password");
            await Journeys.PressButtonAsync(page, "Sign in");
            await Assertions.Expect(page.Locator(".error-summary")).ToBeVisibleAsync();
            Assert.Empty(await AxeProblemsAsync(page));
        });
    }

    private static async Task<List<string>> CheckAsync(BrowserSession session, string url, int expectedStatus)
    {
        var problems = new List<string>();
        var response = await session.OpenAsync(url);
        if (response.Status != expectedStatus)
        {
            problems.Add($"answered {response.Status}, expected {expectedStatus}");
        }
        var landed = new Uri(session.Page.Url).PathAndQuery;
        if (landed != url)
        {
            problems.Add($"was redirected to {landed}");
        }
        // WCAG 1.4.10 Reflow: nothing may need sideways scrolling on a phone.
        var overflow = await session.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        if (overflow > 0)
        {
            problems.Add($"scrolls sideways by {overflow}px (WCAG 1.4.10 reflow)");
        }
        problems.AddRange(await AxeProblemsAsync(session.Page));
        return problems;
    }

    public static async Task<List<string>> AxeProblemsAsync(IPage page)
    {
        var result = await page.RunAxe(Options);
        return result.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"axe {v.Impact} {v.Id}: {v.Help} ({v.HelpUrl})\n    " +
                         string.Join("\n    ", v.Nodes.Take(5).Select(n => $"{n.Html} -- {string.Join("; ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message))}")))
            .ToList();
    }
}
