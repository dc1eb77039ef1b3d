using Kindred.BrowserTests.Rig;
using Kindred.Server.Tests.TestRig;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kindred.BrowserTests.Tests;

/// <summary>
/// Reports with JavaScript off (issue 12): a member reports a reply from the thread, by clicks and typing; the group's
/// owner finds it under Notifications and resolves it on the reports page with a note.
/// </summary>
public sealed class ReportJourneyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_member_reports_a_reply_and_the_owner_resolves_it()
    {
        var adminToken = await Accounts.TokenAsync(fixture.Server, fixture.Data.AdminName);
        var slug = Accounts.UniqueName("reports").ToLowerInvariant();
        using var api = fixture.Server.NewSession();
        (await api.PostJsonAsync("/api/v1/groups", new { slug, name = "Group " + slug, visibility = "public", joinPolicy = "open", federation = "local" }, adminToken))
            .EnsureSuccessStatusCode();
        var thread = await JsonIdAsync(await api.PostJsonAsync($"/api/v1/groups/{slug}/threads", new { title = "Evenings", content = "How are your evenings?" }, adminToken));
        var troll = await Accounts.RegisterAsync(fixture.Server);
        var trollToken = await Accounts.TokenAsync(fixture.Server, troll);
        (await api.PostJsonAsync($"/api/v1/groups/{slug}/membership", new { }, trollToken)).EnsureSuccessStatusCode();
        (await api.PostJsonAsync($"/api/v1/threads/{thread}/replies", new { content = "Buy my pills, link in bio." }, trollToken)).EnsureSuccessStatusCode();

        var reporter = await Accounts.RegisterAsync(fixture.Server);
        await using (var session = await fixture.SignedInSessionAsync(reporter, BrowserFixture.PhoneWidth))
        {
            await session.RunAsync("report-a-reply", async page =>
            {
                await page.GotoAsync($"/threads/{thread}");
                await page.GetByRole(AriaRole.Link, new() { Name = $"Report the reply by {troll}" }).ClickAsync();
                await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Report a reply", Level = 1 })).ToBeVisibleAsync();

                // Without a reason the form comes back with the words kept.
                await Journeys.TypeAsync(page, "Anything the moderators should know (optional)", "It is an advert.");
                await Journeys.PressButtonAsync(page, "Send report");
                await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Choose a reason");
                Assert.Equal("It is an advert.", await page.GetByLabel("Anything the moderators should know (optional)").InputValueAsync());

                await page.GetByLabel("Spam or advertising").CheckAsync();
                await Journeys.PressButtonAsync(page, "Send report");
                await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your report is with the moderators");
            });
        }

        await using var admin = await fixture.NewSessionAsync(Visitor.Admin);
        await admin.RunAsync("resolve-a-report", async page =>
        {
            await page.GotoAsync("/");
            await Journeys.FollowNavAsync(page, "Notifications");
            await page.GetByRole(AriaRole.Link, new() { Name = "See open reports" }).First.ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Open reports", Level = 1 })).ToBeVisibleAsync();
            var report = page.Locator("li").Filter(new() { HasText = "Buy my pills" });
            await Expect(report).ToContainTextAsync("It is an advert.");
            await Expect(page.Locator("main")).Not.ToContainTextAsync(reporter);
            await report.GetByLabel("Note for the other moderators (optional)").FillAsync("Spoke to them.");
            await report.GetByRole(AriaRole.Button, new() { Name = $"Resolve this report about {troll}" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Report resolved");
            await page.GetByRole(AriaRole.Link, new() { Name = "Resolved", Exact = true }).ClickAsync();
            await Expect(page.Locator("main")).ToContainTextAsync("Spoke to them.");
        });
    }

    private static async Task<string> JsonIdAsync(HttpResponseMessage response)
    {
        response.EnsureSuccessStatusCode();
        var json = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content);
        return json.GetProperty("id").GetString()!;
    }
}
