using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kindred.BrowserTests.Rig;

/// <summary>
/// What people do, step by step, with real clicks and typing, found the way a screen-reader user finds them: by
/// role and accessible name (link text, button text, field label). If a helper cannot find a control by its name,
/// the page is probably less usable too. Journeys work with JavaScript off.
/// </summary>
public static class Journeys
{
    /// <summary>Clicks a link in the site's main navigation.</summary>
    public static Task FollowNavAsync(IPage page, string linkText) =>
        page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = linkText, Exact = true }).ClickAsync();

    /// <summary>Clicks into the field with this label and types, key by key, as a person would.</summary>
    public static async Task TypeAsync(IPage page, string label, string text)
    {
        var field = page.GetByLabel(label, new() { Exact = true });
        await field.ClickAsync();
        await field.ClearAsync();
        await field.PressSequentiallyAsync(text);
    }

    public static Task TickAsync(IPage page, string labelStart) =>
        page.GetByRole(AriaRole.Checkbox, new() { Name = labelStart }).CheckAsync();

    public static Task PressButtonAsync(IPage page, string name) =>
        page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true }).ClickAsync();

    public sealed record Registration(string Username, string Email, string Password, bool AcceptGuidelines = true, bool Consent = true, bool ConfirmAge = true);

    /// <summary>From the home page: Register, fill the form, accept the guidelines and consent, confirm age, submit.</summary>
    public static async Task FillRegistrationAsync(IPage page, Registration r)
    {
        await page.GotoAsync("/");
        await FollowNavAsync(page, "Register");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Register", Level = 1 })).ToBeVisibleAsync();
        await TypeAsync(page, "Username", r.Username);
        await TypeAsync(page, "E-mail address", r.Email);
        await TypeAsync(page, "Password", r.Password);
        if (r.AcceptGuidelines)
        {
            await TickAsync(page, "I have read and accept the community guidelines");
        }
        if (r.Consent)
        {
            await TickAsync(page, "I explicitly consent");
        }
        if (r.ConfirmAge && await page.GetByRole(AriaRole.Checkbox, new() { Name = "or older" }).CountAsync() > 0)
        {
            await TickAsync(page, "or older");
        }
        await PressButtonAsync(page, "Register");
    }

    public static async Task RegisterAsync(IPage page, Registration r)
    {
        await FillRegistrationAsync(page, r);
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your account is ready");
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main" })).ToContainTextAsync($"Account ({r.Username})");
    }

    /// <summary>Signs in through the header's "Sign in" link and the form; ends on the home page, signed in.</summary>
    public static async Task SignInAsync(IPage page, string username, string password)
    {
        await page.GotoAsync("/");
        await FollowNavAsync(page, "Sign in");
        await TypeAsync(page, "Username", username);
        await TypeAsync(page, "Password", password);
        await PressButtonAsync(page, "Sign in");
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main" })).ToContainTextAsync($"Account ({username})");
    }

    /// <summary>From the sign-in page: "Reset your password by e-mail", the address, "Send me a link"; ends on "Check your e-mail".</summary>
    public static async Task RequestPasswordResetAsync(IPage page, string email)
    {
        await page.GotoAsync("/");
        await FollowNavAsync(page, "Sign in");
        await page.GetByRole(AriaRole.Link, new() { Name = "Reset your password by e-mail", Exact = true }).ClickAsync();
        await TypeAsync(page, "E-mail address", email);
        await PressButtonAsync(page, "Send me a link");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Check your e-mail");
    }

    /// <summary>Opens the link from the message, types a new password and saves it; ends on the sign-in page saying so.</summary>
    public static async Task ChooseNewPasswordAsync(IPage page, string link, string password)
    {
        await page.GotoAsync(link);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Choose a new password", Level = 1 })).ToBeVisibleAsync();
        await TypeAsync(page, "New password", password);
        await PressButtonAsync(page, "Save my new password");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your new password is saved");
    }

    /// <summary>Signs out through the header's "Sign out" link and the confirmation button.</summary>
    public static async Task SignOutAsync(IPage page)
    {
        await FollowNavAsync(page, "Sign out");
        await PressButtonAsync(page, "Sign out");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("You are signed out");
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
    }

    /// <summary>The error shown next to a field: the form's error paragraph the field points to with aria-describedby.</summary>
    public static async Task<string> FieldErrorAsync(IPage page, string fieldId)
    {
        var error = page.Locator($"#{fieldId}-error");
        await Expect(error).ToBeVisibleAsync();
        var describedBy = await page.Locator($"#{fieldId}").GetAttributeAsync("aria-describedby") ?? "";
        Assert.Contains($"{fieldId}-error", describedBy.Split(' '));
        Assert.Equal("true", await page.Locator($"#{fieldId}").GetAttributeAsync("aria-invalid"));
        return (await error.TextContentAsync())?.Trim() ?? "";
    }

    // Group journeys (issue: groups). Written against the names people will see; adjust the names here, in one
    // place, if the groups pages word them differently.

    /// <summary>Opens the groups list from the main navigation and a group by its name, and joins it.</summary>
    public static async Task JoinGroupAsync(IPage page, string groupName)
    {
        await page.GotoAsync("/");
        await FollowNavAsync(page, "Groups");
        await page.GetByRole(AriaRole.Link, new() { Name = groupName, Exact = true }).ClickAsync();
        await PressButtonAsync(page, $"Join {groupName}");
        await Expect(page.GetByRole(AriaRole.Status)).ToBeVisibleAsync();
    }

    /// <summary>Starts a thread in the open group with a content warning; ends on the new thread's page.</summary>
    public static async Task StartThreadAsync(IPage page, string title, string contentWarning, string body)
    {
        await page.GetByRole(AriaRole.Link, new() { Name = "Start a thread" }).ClickAsync();
        await TypeAsync(page, "Title", title);
        await TypeAsync(page, "Content warning (optional)", contentWarning);
        await TypeAsync(page, "What would you like to share?", body);
        await PressButtonAsync(page, "Post thread");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = title, Level = 1 })).ToBeVisibleAsync();
    }

    /// <summary>Opens a content warning (a &lt;details&gt; summary, which works without JavaScript) and returns the text it revealed.</summary>
    public static async Task<string> OpenContentWarningAsync(IPage page, string contentWarning)
    {
        var summary = page.Locator("details > summary").Filter(new() { HasText = contentWarning }).First;
        await summary.ClickAsync();
        var details = summary.Locator("xpath=..");
        await Expect(details).ToHaveAttributeAsync("open", "");
        return await details.InnerTextAsync();
    }

    public static async Task ReplyAsync(IPage page, string body)
    {
        await TypeAsync(page, "Your reply", body);
        await PressButtonAsync(page, "Post reply");
        await Expect(page.GetByText(body)).ToBeVisibleAsync();
    }
}
