using System.Net.Http.Json;
using System.Text.Json;
using Kindred.BrowserTests.Rig;
using Kindred.Server.Features.Admin;
using Kindred.Server.Tests.TestRig;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kindred.BrowserTests.Tests;

/// <summary>
/// Writing and editing in a real browser (JavaScript off): what a form shows is what it sends back, so text edited
/// twice keeps every byte; and words typed while the session ended are back in their form after signing in.
/// </summary>
public sealed class EditingJourneyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    /// <summary>Three paragraphs, a list and a line break inside a paragraph: what an indented textarea used to break.</summary>
    private const string Text = "Mornings are the hardest.\n\nI make tea first,\nthen open the curtains.\n\n- one slow breath\n- one glass of water";

    private async Task<string> NewGroupAsync(string adminToken)
    {
        var slug = Accounts.UniqueName("edits").ToLowerInvariant();
        using var api = fixture.Server.NewSession();
        (await api.PostJsonAsync("/api/v1/groups", new { slug, name = "Group " + slug, visibility = "public", joinPolicy = "open", federation = "local" }, adminToken))
            .EnsureSuccessStatusCode();
        return slug;
    }

    private async Task<JsonElement> ApiAsync(string path, string token)
    {
        using var api = fixture.Server.NewSession();
        var response = await api.GetWithTokenAsync(path, token);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task A_three_paragraph_thread_edited_twice_keeps_its_text_byte_for_byte()
    {
        var adminToken = await Accounts.TokenAsync(fixture.Server, fixture.Data.AdminName);
        var slug = await NewGroupAsync(adminToken);
        var name = await Accounts.RegisterAsync(fixture.Server);
        await using var session = await fixture.SignedInSessionAsync(name, BrowserFixture.PhoneWidth);
        await session.RunAsync("thread-edited-twice", async page =>
        {
            await page.GotoAsync($"/groups/{slug}");
            await Journeys.PressButtonAsync(page, $"Join Group {slug}");
            await page.GetByRole(AriaRole.Link, new() { Name = "Start a thread" }).ClickAsync();
            await Journeys.TypeAsync(page, "Title", "Mornings");
            await page.GetByLabel("What would you like to share?").FillAsync(Text);
            await Journeys.PressButtonAsync(page, "Post thread");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Mornings", Level = 1 })).ToBeVisibleAsync();
            var threadPath = new Uri(page.Url).AbsolutePath;

            for (var i = 0; i < 2; i++)
            {
                await page.GetByRole(AriaRole.Link, new() { Name = "Edit", Exact = true }).First.ClickAsync();
                Assert.Equal(Text, await page.GetByLabel("What would you like to share?").InputValueAsync());
                await Journeys.PressButtonAsync(page, "Save changes");
                await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your changes are saved");
            }

            // Three paragraphs and a list, no code block, and no sideways scrolling on a phone.
            Assert.Equal(0, await page.Locator("article.thread pre").CountAsync());
            Assert.Equal(2, await page.Locator("article.thread .prose > p").CountAsync());
            Assert.Equal(1, await page.Locator("article.thread .prose > ul").CountAsync());
            Assert.Equal(0, await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth"));
            var thread = await ApiAsync("/api/v1" + threadPath, await Accounts.TokenAsync(fixture.Server, name));
            Assert.Equal(Text, thread.GetProperty("thread").GetProperty("content").GetString());
        });
    }

    [Fact]
    public async Task Group_rules_saved_twice_keep_their_text_byte_for_byte()
    {
        var adminToken = await Accounts.TokenAsync(fixture.Server, fixture.Data.AdminName);
        var slug = await NewGroupAsync(adminToken);
        await using var session = await fixture.NewSessionAsync(Visitor.Admin);
        await session.RunAsync("rules-saved-twice", async page =>
        {
            await page.GotoAsync($"/groups/{slug}/settings");
            await page.GetByLabel("Group rules (Markdown, optional)").FillAsync(Text);
            await Journeys.PressButtonAsync(page, "Save settings");
            for (var i = 0; i < 2; i++)
            {
                await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Group settings saved");
                Assert.Equal(Text, await page.GetByLabel("Group rules (Markdown, optional)").InputValueAsync());
                await Journeys.PressButtonAsync(page, "Save settings");
            }

            var group = await ApiAsync($"/api/v1/groups/{slug}", adminToken);
            Assert.Equal(Text, group.GetProperty("rules").GetString());
        });
    }

    [Fact]
    public async Task Guidelines_saved_twice_keep_their_text_and_renaming_the_instance_makes_no_new_version()
    {
        var settings = fixture.Server.Get<InstanceSettings>();
        var before = await settings.GetAsync();
        await using var session = await fixture.NewSessionAsync(Visitor.Admin);
        await session.RunAsync("guidelines-saved-twice", async page =>
        {
            await page.GotoAsync("/admin");
            await page.GetByLabel("Community guidelines (Markdown)").FillAsync(Text);
            await Journeys.PressButtonAsync(page, "Save settings");
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Settings saved");
            var version = (await settings.GetAsync()).GuidelinesVersion;
            Assert.Equal(before.GuidelinesVersion + 1, version);

            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(Text, await page.GetByLabel("Community guidelines (Markdown)").InputValueAsync());
                await page.GetByLabel("Instance name").FillAsync($"{before.InstanceName} {i}");
                await Journeys.PressButtonAsync(page, "Save settings");
                await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Settings saved");
            }

            var after = await settings.GetAsync();
            Assert.Equal(version, after.GuidelinesVersion);
            Assert.Equal(Text, after.Guidelines);
        });
        await settings.SaveAsync(before);
    }

    [Fact]
    public async Task Words_typed_while_the_session_ended_are_back_in_the_form_after_signing_in()
    {
        var adminToken = await Accounts.TokenAsync(fixture.Server, fixture.Data.AdminName);
        var slug = await NewGroupAsync(adminToken);
        var name = await Accounts.RegisterAsync(fixture.Server);
        await using var session = await fixture.SignedInSessionAsync(name);
        await session.RunAsync("session-ended-while-writing", async page =>
        {
            await page.GotoAsync($"/groups/{slug}");
            await Journeys.PressButtonAsync(page, $"Join Group {slug}");

            // A thread.
            await page.GetByRole(AriaRole.Link, new() { Name = "Start a thread" }).ClickAsync();
            await Journeys.TypeAsync(page, "Title", "Still awake");
            await page.GetByLabel("What would you like to share?").FillAsync(Text);
            await session.Context.ClearCookiesAsync(new() { Name = "kindred_session" });
            await Journeys.PressButtonAsync(page, "Post thread");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Sign in");
            await Journeys.TypeAsync(page, "Username", name);
            await Journeys.TypeAsync(page, "Password", Accounts.Password);
            await Journeys.PressButtonAsync(page, "Sign in");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Start a thread");
            Assert.Equal("Still awake", await page.GetByLabel("Title", new() { Exact = true }).InputValueAsync());
            Assert.Equal(Text, await page.GetByLabel("What would you like to share?").InputValueAsync());
            await Journeys.PressButtonAsync(page, "Post thread");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Still awake", Level = 1 })).ToBeVisibleAsync();

            // A reply, from the form under the thread.
            await page.GetByLabel("Your reply").FillAsync("Answering myself.\n\nIt helps to write it down.");
            await session.Context.ClearCookiesAsync(new() { Name = "kindred_session" });
            await Journeys.PressButtonAsync(page, "Post reply");
            await Journeys.TypeAsync(page, "Username", name);
            await Journeys.TypeAsync(page, "Password", Accounts.Password);
            await Journeys.PressButtonAsync(page, "Sign in");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Reply to Still awake");
            Assert.Equal("Answering myself.\n\nIt helps to write it down.", await page.GetByLabel("Your reply").InputValueAsync());
            await Journeys.PressButtonAsync(page, "Post reply");
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your reply is posted");
        });
    }
}
