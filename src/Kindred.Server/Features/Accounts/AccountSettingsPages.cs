using Kindred.Server.Theming;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Accounts;

/// <summary>Account settings: change password (signs out other devices), change e-mail. Both ask for the current password.</summary>
public static class AccountSettingsPages
{
    public static IEndpointRouteBuilder MapAccountSettingsPages(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/account").RequireAuthorization();

        group.MapGet("", async (HttpContext http, Pages pages, UserStore users) =>
        {
            var user = await users.FindByIdAsync(RequestContext.UserId(http.User), http.RequestAborted);
            return await SettingsPage(http, pages, user!, new Dictionary<string, string>(), null);
        });

        group.MapPost("/password", async (HttpContext http, Pages pages, UserStore users, PasswordHasher hasher) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var user = (await users.FindByIdAsync(RequestContext.UserId(http.User), http.RequestAborted))!;
            var errors = new Dictionary<string, string>();
            if (!await hasher.VerifyAsync(Forms.Value(form, "currentPassword") ?? "", user.PasswordHash, http.RequestAborted))
            {
                errors["currentPassword"] = "That is not your current password.";
            }

            var newPassword = Forms.Value(form, "newPassword");
            if (AccountRules.ValidatePassword(newPassword, user.Username) is { } problem)
            {
                errors["newPassword"] = problem;
            }
            else if (newPassword != Forms.Value(form, "confirmPassword"))
            {
                errors["confirmPassword"] = "The two new passwords are not the same.";
            }

            if (errors.Count > 0)
            {
                return await SettingsPage(http, pages, user, errors, null, StatusCodes.Status400BadRequest);
            }

            var stamp = await users.SetPasswordAsync(user.Id, await hasher.HashAsync(newPassword!, http.RequestAborted), http.RequestAborted);
            // Keep this browser signed in with the new stamp; every other session ends.
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
                Sessions.CreatePrincipal(user with { SecurityStamp = stamp }, CookieAuthenticationDefaults.AuthenticationScheme));
            return Results.Redirect("/account?notice=password-changed");
        });

        group.MapPost("/email", async (HttpContext http, Pages pages, UserStore users, PasswordHasher hasher, EmailChanges changes) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var user = (await users.FindByIdAsync(RequestContext.UserId(http.User), http.RequestAborted))!;
            var email = Forms.Value(form, "email");
            var errors = new Dictionary<string, string>();
            if (AccountRules.ValidateEmail(email) is { } problem)
            {
                errors["email"] = problem;
            }

            if (!await hasher.VerifyAsync(Forms.Value(form, "password") ?? "", user.PasswordHash, http.RequestAborted))
            {
                errors["password"] = "That is not your current password.";
            }

            // A changed address is used only once confirmed through a link sent to it (EmailChanges).
            var outcome = errors.Count == 0 ? await changes.RequestAsync(user, email!, http.RequestAborted) : EmailChangeOutcome.Invalid;
            if (outcome == EmailChangeOutcome.Taken)
            {
                errors["email"] = "Another account already uses that e-mail address.";
            }

            return errors.Count > 0
                ? await SettingsPage(http, pages, user, errors, email, StatusCodes.Status400BadRequest)
                : Results.Redirect(outcome == EmailChangeOutcome.ConfirmationSent ? "/account?notice=email-confirm-sent" : "/account?notice=email-changed");
        });

        group.MapPost("/time-zone", async (HttpContext http, Pages pages, UserStore users) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var user = (await users.FindByIdAsync(Sessions.UserId(http.User), http.RequestAborted))!;
            // Empty: the community's time zone (and it follows when the admins change it).
            var zone = Forms.Value(form, "timeZone")?.Trim();
            if (zone is not null && !TimeZones.IsKnown(zone))
            {
                return await SettingsPage(http, pages, user, new Dictionary<string, string> { ["timeZone"] = "Choose a time zone from the list." }, null,
                    StatusCodes.Status400BadRequest);
            }

            await users.SetTimeZoneAsync(user.Id, zone, http.RequestAborted);
            return Results.Redirect("/account?notice=time-zone-saved");
        });

        return app;
    }

    private static async Task<IResult> SettingsPage(HttpContext http, Pages pages, User user, Dictionary<string, string> errors, string? email, int status = 200)
    {
        var instance = await http.RequestServices.GetRequiredService<Admin.InstanceSettings>().GetAsync(http.RequestAborted);
        return await pages.RenderAsync(http, "account", "Account settings", new
        {
            // Templates get UTC DateTimes; they show them in the viewer's time zone (local_time).
            Account = new { user.Username, user.Email, CreatedAt = user.CreatedAt.UtcDateTime, user.GuidelinesVersion, user.ConsentVersion, ConsentGivenAt = user.ConsentGivenAt.UtcDateTime },
            Errors = errors,
            EmailValue = email ?? user.Email,
            TimeZones = Admin.AdminPages.TimeZoneChoices(user.TimeZone),
            CommunityTimeZone = TimeZones.Label(instance.TimeZone),
            OwnTimeZone = user.TimeZone,
        }, status);
    }
}
