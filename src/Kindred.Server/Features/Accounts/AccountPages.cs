using Kindred.Server.Features.Admin;
using Kindred.Server.Configuration;
using Kindred.Server.Features.Threads;
using Kindred.Server.Theming;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Accounts;

/// <summary>Sign in, register, sign out: HTML forms that work without JavaScript.</summary>
public static class AccountPages
{
    public static IEndpointRouteBuilder MapAccountPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/signin", (HttpContext http, Pages pages, string? returnUrl) =>
            SignInPage(http, pages, Forms.SafeReturnUrl(returnUrl), null, null));

        app.MapPost("/signin", async (HttpContext http, Pages pages, SignIn signIn, DataRights.AccountErasures erasures) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var username = Forms.Value(form, "username");
            var returnUrl = Forms.SafeReturnUrl(Forms.Value(form, "returnUrl"));
            // Words typed while the session had ended travel with the form (see ThreadDrafts) until the sign-in works.
            var draft = ThreadDrafts.From(form);
            var result = await signIn.CheckAsync(username, Forms.Value(form, "password"), http.Connection.RemoteIpAddress, http.RequestAborted);
            if (result.Outcome == SignInOutcome.Throttled)
            {
                return TooManyRequests.Result(http, result.RetryAfter ?? TimeSpan.FromMinutes(1), SignIn.Describe(result));
            }

            if (result.Outcome != SignInOutcome.Success)
            {
                return await SignInPage(http, pages, returnUrl, username, SignIn.Describe(result), StatusCodes.Status400BadRequest, draft);
            }

            var remember = Forms.Checked(form, "remember");
            var principal = Sessions.CreatePrincipal(result.User!, CookieAuthenticationDefaults.AuthenticationScheme, returning: result.User!.LastSignInAt is not null);
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal, new AuthenticationProperties { IsPersistent = remember });
            // Signing in within the grace period keeps the account (issue 14).
            var restored = await erasures.CancelAsync(result.User!.Id, http.RequestAborted);
            if (draft is not null)
            {
                // Back to the form with their words, rendered for them (its antiforgery token is then theirs).
                http.User = principal;
                return await ThreadDrafts.ResumeAsync(http, draft, "signed-in-again");
            }

            return restored ? Results.Redirect("/account?notice=erasure-cancelled") : Results.Redirect(returnUrl);
        }).RequireRateLimiting(Policies.SignInRateLimit);

        app.MapGet("/signout", (HttpContext http, Pages pages) => pages.RenderAsync(http, "signout", "Sign out"));

        app.MapPost("/signout", async (HttpContext http) =>
        {
            if (await Forms.ReadAsync(http) is null)
            {
                return await Forms.ExpiredAsync(http);
            }

            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/?notice=signed-out");
        });

        // ?invite=CODE: the link admins hand out fills the code in.
        app.MapGet("/register", async (HttpContext http, Pages pages, InstanceSettings settings, IOptions<KindredOptions> options, string? invite) =>
            await RegisterPage(http, pages, settings, options.Value, new Dictionary<string, string>(),
                string.IsNullOrWhiteSpace(invite) ? null : new RegistrationRequest(null, null, null, false, false, false, invite.Trim(), null)));

        app.MapPost("/register", async (HttpContext http, Pages pages, Registration registration, InstanceSettings settings, IOptions<KindredOptions> options, UserStore users) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var request = new RegistrationRequest(
                Forms.Value(form, "username"),
                Forms.Value(form, "email"),
                Forms.Value(form, "password"),
                Forms.Checked(form, "acceptGuidelines"),
                Forms.Checked(form, "consentToProcessing"),
                Forms.Checked(form, "confirmAge"),
                Forms.Value(form, "inviteCode"),
                Forms.Value(form, "reason"));
            var result = await registration.RegisterAsync(request, http.RequestAborted);
            switch (result.Outcome)
            {
                case RegistrationOutcome.Active:
                    await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
                        Sessions.CreatePrincipal(result.User!, CookieAuthenticationDefaults.AuthenticationScheme, returning: false));
                    // Registering signs them in: the next sign-in is a return.
                    await users.RecordSignInAsync(result.User!.Id, null, http.RequestAborted);
                    return Results.Redirect("/?notice=registered");
                case RegistrationOutcome.AwaitingApproval:
                    return Results.Redirect("/?notice=pending");
                default:
                    return await RegisterPage(http, pages, settings, options.Value, result.Errors, request,
                        result.Outcome == RegistrationOutcome.Closed ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest);
            }
        }).RequireRateLimiting(Policies.SignInRateLimit);

        return app;
    }

    private static Task<IResult> SignInPage(HttpContext http, Pages pages, string returnUrl, string? username, string? error, int status = 200,
        ThreadDrafts.Draft? draft = null) =>
        pages.RenderAsync(http, "signin", draft is null ? "Sign in" : "Sign in to post", new
        {
            ReturnUrl = returnUrl,
            Username = username,
            Error = error,
            Draft = draft?.Fields().Select(f => new { Name = f.Key, f.Value }).ToList(),
        }, status);

    private static async Task<IResult> RegisterPage(HttpContext http, Pages pages, InstanceSettings settings, KindredOptions options,
        IReadOnlyDictionary<string, string> errors, RegistrationRequest? values, int status = 200)
    {
        var s = await settings.GetAsync(http.RequestAborted);
        return await pages.RenderAsync(http, "register", "Register", new
        {
            Mode = s.RegistrationMode,
            MinimumAge = options.Registration.MinimumAge,
            GuidelinesVersion = s.GuidelinesLabel,
            ConsentVersion = options.Registration.ConsentVersion,
            Errors = errors.ToDictionary(e => e.Key, e => e.Value),
            HasErrors = errors.Count > 0,
            Values = new
            {
                values?.Username,
                values?.Email,
                values?.InviteCode,
                values?.Reason,
                AcceptGuidelines = values?.AcceptGuidelines ?? false,
                ConsentToProcessing = values?.ConsentToProcessing ?? false,
                ConfirmAge = values?.ConfirmAge ?? false,
            },
        }, status);
    }
}
