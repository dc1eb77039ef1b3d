using Kindred.Server.Web;
using Kindred.BrowserTests.Rig;

namespace Kindred.BrowserTests.Tests;

/// <summary>
/// Tab through every page (JavaScript off): every control reachable in reading order with a visible focus
/// indicator, and "Need urgent help?" among the first three stops.
/// </summary>
public sealed class KeyboardTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    public const string UrgentHelp = "Need urgent help?";

    [Theory]
    [InlineData(Visitor.SignedOut)]
    [InlineData(Visitor.Member)]
    [InlineData(Visitor.Admin)]
    public async Task Every_page_can_be_used_with_the_keyboard(Visitor visitor)
    {
        var pages = await fixture.PagesForAsync(visitor);
        Assert.NotEmpty(pages);
        await using var session = await fixture.NewSessionAsync(visitor);
        var failures = new List<string>();
        foreach (var page in pages)
        {
            await session.OpenAsync(page.Url);
            var walk = await TabWalk.WalkAsync(session.Page);
            var problems = TabWalk.Problems(walk, UrgentHelp);
            if (walk.Controls.Count == 0)
            {
                problems.Add("no focusable controls found at all (is the page empty?)");
            }
            if (problems.Count > 0)
            {
                var dir = await Artifacts.SaveAsync(session.Page, $"{visitor}-{page.Url}", string.Join("\n", problems));
                failures.Add($"{page} as {visitor}:\n  {string.Join("\n  ", problems)}\n  Screenshot and HTML: {dir}");
            }
        }
        session.AssertNoForeignRequests();
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    [Fact]
    public async Task The_skip_link_is_the_first_stop_and_moves_focus_to_the_main_content()
    {
        await using var session = await fixture.NewSessionAsync();
        await session.RunAsync("skip-link", async page =>
        {
            await session.OpenAsync("/guidelines");
            await page.Keyboard.PressAsync("Tab");
            Assert.Equal("Skip to main content", (await page.EvaluateAsync<string>("() => document.activeElement.textContent")).Trim());
            Assert.True(await page.EvaluateAsync<bool>("() => { const r = document.activeElement.getBoundingClientRect(); return r.left >= 0 && r.top >= 0 && r.width > 0; }"),
                "The skip link must be visible on screen while it has focus.");
            await page.Keyboard.PressAsync("Enter");
            Assert.Equal("main", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        });
    }
}
