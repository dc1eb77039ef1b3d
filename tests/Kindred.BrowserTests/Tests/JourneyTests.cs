using Kindred.BrowserTests.Rig;
using Kindred.Server.Tests.TestRig;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kindred.BrowserTests.Tests;

/// <summary>What people do, by real clicks and typing, with JavaScript off.</summary>
public sealed class JourneyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Register_accepting_guidelines_and_consent_then_sign_out_and_back_in()
    {
        var name = Accounts.UniqueName("journey");
        await using var session = await fixture.NewSessionAsync(Visitor.SignedOut, BrowserFixture.PhoneWidth);
        await session.RunAsync("register-sign-out-sign-in", async page =>
        {
            await Journeys.RegisterAsync(page, new Journeys.Registration(name, $"{name}@example.org", Accounts.Password));
            await Journeys.SignOutAsync(page);
            await Journeys.SignInAsync(page, name, Accounts.Password);
            await Expect(page.GetByText($"Welcome back, {name}")).ToBeVisibleAsync();
            await Journeys.SignOutAsync(page);
        });
    }

    [Fact]
    public async Task Forgot_password_reset_by_the_link_in_the_message_then_sign_in_with_the_new_one()
    {
        var name = await Accounts.RegisterAsync(fixture.Server, Accounts.UniqueName("forgot"));
        var email = $"{name}@example.org";
        await using var session = await fixture.NewSessionAsync(Visitor.SignedOut, BrowserFixture.PhoneWidth);
        await session.RunAsync("forgot-password", async page =>
        {
            await Journeys.RequestPasswordResetAsync(page, email);
            var link = Kindred.Server.Tests.Mail.MailRig.ResetPath(await Kindred.Server.Tests.Mail.MailRig.WaitForPickupAsync(fixture.Server, email));
            await Journeys.ChooseNewPasswordAsync(page, link, "a new password I will remember");
            await Journeys.TypeAsync(page, "Username", name);
            await Journeys.TypeAsync(page, "Password", "a new password I will remember");
            await Journeys.PressButtonAsync(page, "Sign in");
            await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main" })).ToContainTextAsync($"Account ({name})");

            // The link worked once: opening it again says so and offers a new one.
            await page.GotoAsync(link);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This link no longer works", Level = 1 })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Ask for a new link" })).ToBeVisibleAsync();
        });
    }

    [Fact]
    public async Task A_failed_registration_shows_errors_next_to_the_fields_and_keeps_what_was_typed()
    {
        await using var session = await fixture.NewSessionAsync();
        await session.RunAsync("failed-registration", async page =>
        {
            // A username that is too short, a password that is too short, and nothing ticked.
            await Journeys.FillRegistrationAsync(page, new Journeys.Registration("ab", "someone@example.org", "short",
                AcceptGuidelines: false, Consent: false, ConfirmAge: false));

            var summary = page.Locator(".error-summary");
            await Expect(summary).ToBeVisibleAsync();
            await Expect(summary).ToHaveAttributeAsync("role", "alert");
            Assert.NotEmpty(await Journeys.FieldErrorAsync(page, "username"));
            Assert.NotEmpty(await Journeys.FieldErrorAsync(page, "password"));
            Assert.NotEmpty(await Journeys.FieldErrorAsync(page, "acceptGuidelines"));
            Assert.NotEmpty(await Journeys.FieldErrorAsync(page, "consentToProcessing"));

            // What the person typed is still there (except the password, which is never sent back).
            await Expect(page.GetByLabel("Username", new() { Exact = true })).ToHaveValueAsync("ab");
            await Expect(page.GetByLabel("E-mail address", new() { Exact = true })).ToHaveValueAsync("someone@example.org");
            await Expect(page.GetByLabel("Password", new() { Exact = true })).ToHaveValueAsync("");

            // Each summary entry links to its field.
            await summary.GetByRole(AriaRole.Link).First.ClickAsync();
            Assert.EndsWith("#username", page.Url, StringComparison.Ordinal);

            // Correcting the form then works.
            var name = Accounts.UniqueName("fixed");
            await Journeys.TypeAsync(page, "Username", name);
            await Journeys.TypeAsync(page, "Password", Accounts.Password);
            await Journeys.TickAsync(page, "I have read and accept the community guidelines");
            await Journeys.TickAsync(page, "I explicitly consent");
            await Journeys.TickAsync(page, "or older");
            await Journeys.TypeAsync(page, "E-mail address", $"{name}@example.org");
            await Journeys.PressButtonAsync(page, "Register");
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your account is ready");
        });
    }

    [Fact]
    public async Task A_failed_sign_in_says_so_and_keeps_the_username()
    {
        await using var session = await fixture.NewSessionAsync();
        await session.RunAsync("failed-sign-in", async page =>
        {
            await page.GotoAsync("/");
            await Journeys.FollowNavAsync(page, "Sign in");
            await Journeys.TypeAsync(page, "Username", fixture.Data.MemberName);
            await Journeys.TypeAsync(page, "Password", "not my password at all");
            await Journeys.PressButtonAsync(page, "Sign in");
            await Expect(page.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
            await Expect(page.GetByLabel("Username", new() { Exact = true })).ToHaveValueAsync(fixture.Data.MemberName);
            await Expect(page.GetByLabel("Username", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
            // The reason is announced with the field, not only shown above the form.
            var reason = (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).Trim();
            await Expect(page.GetByLabel("Username", new() { Exact = true })).ToHaveAccessibleDescriptionAsync(reason);
            await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
        });
    }

    [Fact]
    public async Task Join_a_group_start_a_thread_with_a_content_warning_open_it_and_reply()
    {
        if (!AppRoutes.Exists(fixture.Server, "/groups"))
        {
            Assert.Skip("groups pages not present: the app has no /groups routes yet. This journey runs by itself once they exist.");
        }
        var groupName = await fixture.Data.GroupNameAsync();
        await using var session = await fixture.NewSessionAsync(Visitor.Member);
        await session.RunAsync("group-journey", async page =>
        {
            await Journeys.JoinGroupAsync(page, groupName);
            await Journeys.StartThreadAsync(page, "A hard week", "mentions self-harm", "Writing this down helps a bit.");
            var revealed = await Journeys.OpenContentWarningAsync(page, "mentions self-harm");
            Assert.Contains("Writing this down helps a bit.", revealed, StringComparison.Ordinal);
            await Journeys.ReplyAsync(page, "Thank you for sharing. I am here.");
        });
    }
}
