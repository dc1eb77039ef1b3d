using Kindred.BrowserTests.Rig;
using Kindred.Server.Tests.TestRig;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kindred.BrowserTests.Tests;

/// <summary>
/// How pages look and behave where people read them: error pages with a way on, tables on a phone that keep their
/// column labels, dark mode, large text, and leaving a group that is hard to get back into.
/// </summary>
public sealed class PageLayoutTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    public static TheoryData<int> Widths => new() { BrowserFixture.DesktopWidth, BrowserFixture.PhoneWidth };

    private static async Task AssertNoProblemsAsync(IPage page, string what)
    {
        var problems = await AccessibilityTests.AxeProblemsAsync(page);
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        if (overflow > 0)
        {
            problems.Add($"scrolls sideways by {overflow}px");
        }

        Assert.True(problems.Count == 0, $"{what}: {string.Join("\n", problems)}");
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public async Task Unknown_addresses_and_wrong_methods_show_a_themed_page_with_a_way_on(int width)
    {
        await using var session = await fixture.NewSessionAsync(Visitor.Member, width, javaScript: true);
        await session.RunAsync($"error-pages-{width}", async page =>
        {
            var missing = await session.OpenAsync("/no/such/page");
            Assert.Equal(404, missing.Status);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("not found", new() { IgnoreCase = true });
            var main = page.GetByRole(AriaRole.Main);
            await Expect(main.GetByRole(AriaRole.Link, new() { Name = "home page" })).ToBeVisibleAsync();
            await Expect(main.GetByRole(AriaRole.Link, new() { Name = "urgent help" })).ToBeVisibleAsync();
            await Expect(main).ToContainTextAsync("Back");
            await AssertNoProblemsAsync(page, "404 page");

            // A POST-only address opened directly (as a sign-in used to send people to): a page, not a line of JSON.
            var wrongMethod = await session.OpenAsync("/notifications/read");
            Assert.Equal(405, wrongMethod.Status);
            Assert.StartsWith("text/html", await wrongMethod.HeaderValueAsync("content-type") ?? "", StringComparison.Ordinal);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
            await AssertNoProblemsAsync(page, "405 page");
            await main.GetByRole(AriaRole.Link, new() { Name = "home page" }).ClickAsync();
            Assert.Equal("/", new Uri(page.Url).AbsolutePath);
        });
    }

    [Fact]
    public async Task Tables_on_a_phone_keep_their_column_labels_and_captions_read_as_a_line()
    {
        var membersUrl = await fixture.Data.GroupUrlAsync() + "/members";
        await using var session = await fixture.NewSessionAsync(Visitor.Admin, BrowserFixture.PhoneWidth, javaScript: true);
        await session.RunAsync("phone-tables", async page =>
        {
            // An invite, so the invites table has a row.
            await session.OpenAsync("/admin/registrations");
            await page.GetByLabel("Note for yourself (optional)").FillAsync("phone table");
            await Journeys.PressButtonAsync(page, "Create invite");
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Invite created");

            foreach (var url in new[] { membersUrl, "/admin/registrations" })
            {
                await session.OpenAsync(url);
                var table = page.Locator("main table").First;
                var headers = await table.Locator("thead th").AllInnerTextsAsync();
                Assert.NotEmpty(headers);
                // Every cell of the first row says which column it belongs to, in a label shown before it.
                var cells = await table.Locator("tbody tr").First.Locator("td, th").EvaluateAllAsync<string[]>(
                    "cells => cells.map(c => (c.dataset.label || '') + '|' + getComputedStyle(c, '::before').content)");
                Assert.Equal(headers.Select(h => h.Trim()), cells.Select(c => c.Split('|')[0]));
                Assert.All(cells, c => Assert.DoesNotMatch("^(none|normal)$", c.Split('|')[1]));

                var caption = await table.Locator("caption").BoundingBoxAsync();
                var tableBox = await table.BoundingBoxAsync();
                Assert.True(caption!.Width >= tableBox!.Width * 0.9, $"{url}: the caption is {caption.Width}px wide in a {tableBox.Width}px table");
                await AssertNoProblemsAsync(page, url);
            }
        });
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public async Task Dark_mode_follows_the_system_and_keeps_its_contrast(int width)
    {
        var thread = await fixture.Data.ThreadUrlAsync();
        await using var session = await fixture.NewSessionAsync(Visitor.Admin, width, javaScript: true, colorScheme: ColorScheme.Dark);
        await session.RunAsync($"dark-{width}", async page =>
        {
            foreach (var url in new[] { "/", thread, "/help/urgent", "/admin", await fixture.Data.GroupUrlAsync() + "/members" })
            {
                await session.OpenAsync(url);
                var luminance = await page.EvaluateAsync<double>("""
                    () => {
                      // The page's background is the root element's (body has none of its own).
                      const [r, g, b] = getComputedStyle(document.documentElement).backgroundColor.match(/\d+/g).map(Number);
                      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
                    }
                    """);
                Assert.True(luminance < 0.25, $"{url}: the background is not dark in dark mode ({luminance:F2})");
                await AssertNoProblemsAsync(page, $"{url} in dark mode");
            }
        });
    }

    [Theory]
    [InlineData(BrowserFixture.DesktopWidth, 200)]
    [InlineData(BrowserFixture.PhoneWidth, 150)]
    public async Task Large_text_fits_without_sideways_scrolling(int width, int percent)
    {
        var thread = await fixture.Data.ThreadUrlAsync();
        var members = await fixture.Data.GroupUrlAsync() + "/members";
        await using var session = await fixture.NewSessionAsync(Visitor.Admin, width, javaScript: true);
        await session.RunAsync($"large-text-{width}", async page =>
        {
            foreach (var url in new[] { "/", thread, members, "/admin", "/admin/registrations", "/help/urgent" })
            {
                await session.OpenAsync(url);
                // As a reader's larger default font size does: the root size grows, everything in rem follows.
                await page.EvaluateAsync($"() => document.documentElement.style.fontSize = '{percent}%'");
                var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
                Assert.True(overflow <= 0, $"{url} at {percent}% text scrolls sideways by {overflow}px");
            }
        });
    }

    [Fact]
    public async Task Leaving_an_invite_only_group_asks_first_and_leave_is_the_secondary_action()
    {
        var adminToken = await Accounts.TokenAsync(fixture.Server, fixture.Data.AdminName);
        var slug = Accounts.UniqueName("quiet").ToLowerInvariant();
        var name = await Accounts.RegisterAsync(fixture.Server);
        using (var api = fixture.Server.NewSession())
        {
            (await api.PostJsonAsync("/api/v1/groups", new { slug, name = "Quiet room", visibility = "public", joinPolicy = "invite", federation = "local" }, adminToken))
                .EnsureSuccessStatusCode();
            (await api.PostJsonAsync($"/api/v1/groups/{slug}/invitations", new { username = name }, adminToken)).EnsureSuccessStatusCode();
        }

        await using var session = await fixture.SignedInSessionAsync(name, BrowserFixture.PhoneWidth);
        await session.RunAsync("leave-invite-only", async page =>
        {
            await page.GotoAsync($"/groups/{slug}");
            await Journeys.PressButtonAsync(page, "Join Quiet room");
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("You are now a member");

            var leave = page.GetByRole(AriaRole.Link, new() { Name = "Leave this group" })
                .Or(page.GetByRole(AriaRole.Button, new() { Name = "Leave this group" }));
            Assert.Contains("secondary", await leave.GetAttributeAsync("class") ?? "", StringComparison.Ordinal);
            await leave.ClickAsync();

            // A question first: coming back needs a new invitation.
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Leave Quiet room?");
            await Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync("invit");
            await page.GetByRole(AriaRole.Link, new() { Name = "Stay in the group" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Quiet room", Level = 1 })).ToBeVisibleAsync();

            await leave.ClickAsync();
            await Journeys.PressButtonAsync(page, "Leave Quiet room");
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("You have left the group");
        });
    }
}
