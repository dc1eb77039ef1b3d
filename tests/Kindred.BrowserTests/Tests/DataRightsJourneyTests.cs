using System.IO.Compression;
using Kindred.BrowserTests.Rig;
using Kindred.Server.Tests.TestRig;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kindred.BrowserTests.Tests;

/// <summary>Data rights in a real browser with JavaScript off (issue 14): a member downloads everything they wrote.</summary>
public sealed class DataRightsJourneyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_member_asks_for_an_export_with_the_password_and_downloads_the_zip()
    {
        var name = await Accounts.RegisterAsync(fixture.Server);
        await using var session = await fixture.SignedInSessionAsync(name, BrowserFixture.PhoneWidth);
        await session.RunAsync("export-downloaded", async page =>
        {
            await page.GotoAsync("/account");
            await page.GetByRole(AriaRole.Link, new() { Name = "Download your data" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Download your data", Level = 1 })).ToBeVisibleAsync();

            // A wrong password is said next to the field, and nothing starts.
            await Journeys.TypeAsync(page, "Your password", "not the password at all");
            await Journeys.PressButtonAsync(page, "Prepare my export");
            Assert.Contains("not your current password", await Journeys.FieldErrorAsync(page, "password"), StringComparison.Ordinal);

            await Journeys.TypeAsync(page, "Your password", Accounts.Password);
            await Journeys.PressButtonAsync(page, "Prepare my export");
            await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("being prepared");

            // No JavaScript: the member looks again until the link is there.
            var download = page.GetByRole(AriaRole.Link, new() { Name = "Download your export" });
            await Eventually.UntilAsync("the export link", async () =>
            {
                await page.GotoAsync("/account/export");
                return await download.CountAsync() == 1;
            });
            var file = await page.RunAndWaitForDownloadAsync(() => download.ClickAsync());
            var path = await file.PathAsync();
            using var zip = ZipFile.OpenRead(path);
            Assert.Contains(zip.Entries, e => e.FullName == "outbox.json");
            Assert.Contains(zip.Entries, e => e.FullName == "account.json");
        });
    }

    [Fact]
    public async Task A_member_deletes_their_account_and_signing_in_again_keeps_it()
    {
        var name = await Accounts.RegisterAsync(fixture.Server);
        await using var session = await fixture.SignedInSessionAsync(name, BrowserFixture.PhoneWidth);
        await session.RunAsync("erase-and-undo", async page =>
        {
            await page.GotoAsync("/account");
            await page.GetByRole(AriaRole.Link, new() { Name = "Delete your account" }).ClickAsync();
            await Expect(page.GetByText("best-effort basis")).ToBeVisibleAsync();

            // Without the tick box nothing happens, and the page says why.
            await Journeys.TypeAsync(page, "Your password", Accounts.Password);
            await Journeys.PressButtonAsync(page, "Delete my account");
            Assert.Contains("Tick the box", await Journeys.FieldErrorAsync(page, "understood"), StringComparison.Ordinal);

            await Journeys.TickAsync(page, "I understand what happens");
            await Journeys.TypeAsync(page, "Your password", Accounts.Password);
            await Journeys.PressButtonAsync(page, "Delete my account");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your account will be deleted", Level = 1 })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("signed out everywhere");

            // Changed their mind: signing in keeps the account.
            await Journeys.SignInAsync(page, name, Accounts.Password);
            await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("will not be deleted");
        });
    }
}
