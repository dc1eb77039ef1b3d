using Kindred.Server.Theming;
using Kindred.Server.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kindred.Server.Features.Accounts;

/// <summary>"Forgot your password?": the pages (no JavaScript) and their API twins (see <see cref="PasswordResets"/>).</summary>
public static class PasswordResetPages
{
    public sealed record ResetRequest(string? Email);

    public sealed record ResetRequestAccepted(string Message);

    public sealed record ResetConfirmRequest(string? Token, string? Password);

    public const string AcceptedMessage = "If an account uses that address, a link to choose a new password is on its way. It works once, for an hour.";

    public static IEndpointRouteBuilder MapPasswordResetPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/password-reset", (HttpContext http, Pages pages) => RequestPage(http, pages, null, null, false));

        app.MapGet("/password-reset/sent", (HttpContext http, Pages pages) => RequestPage(http, pages, null, null, true));

        app.MapPost("/password-reset", async (HttpContext http, Pages pages, PasswordResets resets) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var email = Forms.Value(form, "email");
            var (outcome, error) = await resets.RequestAsync(email, http.Connection.RemoteIpAddress, http.RequestAborted);
            return outcome switch
            {
                ResetRequestOutcome.InvalidEmail => await RequestPage(http, pages, email, error, false, StatusCodes.Status400BadRequest),
                ResetRequestOutcome.Throttled => TooManyRequests.Result(http, TimeSpan.FromMinutes(5), ThrottledMessage),
                _ => Results.Redirect("/password-reset/sent"),
            };
        }).RequireRateLimiting(Policies.SignInRateLimit);

        app.MapGet("/password-reset/confirm", async (string? token, HttpContext http, Pages pages, PasswordResets resets) =>
        {
            var outcome = await resets.CheckAsync(token, http.RequestAborted);
            return await ConfirmPage(http, pages, token, outcome, null);
        });

        app.MapPost("/password-reset/confirm", async (HttpContext http, Pages pages, PasswordResets resets) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var token = Forms.Value(form, "token");
            var result = await resets.ConfirmAsync(token, Forms.Value(form, "password"), http.RequestAborted);
            return result.Outcome == ResetConfirmOutcome.Done
                ? Results.Redirect("/signin?notice=password-reset")
                : await ConfirmPage(http, pages, token, result.Outcome, result.Error, StatusCodes.Status400BadRequest);
        }).RequireRateLimiting(Policies.SignInRateLimit);

        var api = app.MapGroup("/api/v1/auth").WithTags("Accounts").DisableAntiforgery();

        api.MapPost("/password-reset", async Task<Results<Accepted<ResetRequestAccepted>, ValidationProblem, ProblemHttpResult>> (ResetRequest body, HttpContext http, PasswordResets resets) =>
        {
            var (outcome, error) = await resets.RequestAsync(body.Email, http.Connection.RemoteIpAddress, http.RequestAborted);
            return outcome switch
            {
                ResetRequestOutcome.InvalidEmail => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = [error!] },
                    title: "Please correct the highlighted fields"),
                ResetRequestOutcome.Throttled => TooManyRequests.Problem(http, TimeSpan.FromMinutes(5), ThrottledMessage),
                _ => TypedResults.Accepted((string?)null, new ResetRequestAccepted(AcceptedMessage)),
            };
        }).RequireRateLimiting(Policies.SignInRateLimit)
            .WithSummary("Send a password reset link to an account's e-mail address (the same answer whether or not an account uses it)");

        api.MapPost("/password-reset/confirm", async Task<Results<NoContent, ValidationProblem>> (ResetConfirmRequest body, HttpContext http, PasswordResets resets) =>
        {
            var result = await resets.ConfirmAsync(body.Token, body.Password, http.RequestAborted);
            return result.Outcome switch
            {
                ResetConfirmOutcome.Done => TypedResults.NoContent(),
                ResetConfirmOutcome.BadPassword => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["password"] = [result.Error!] },
                    title: "Please correct the highlighted fields"),
                _ => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["token"] = [Describe(result.Outcome)] },
                    title: "This reset link no longer works"),
            };
        }).RequireRateLimiting(Policies.SignInRateLimit)
            .WithSummary("Set a new password with the token from a reset link; every session and API token of the account ends");

        return app;
    }

    private const string ThrottledMessage = "There have been many password reset requests from your network. Please wait a few minutes and try again.";

    /// <summary>Why a link does not work, in words that say what to do next.</summary>
    public static string Describe(ResetConfirmOutcome outcome) => outcome switch
    {
        ResetConfirmOutcome.Expired => "This link has expired: links work for an hour after they are sent.",
        ResetConfirmOutcome.Used => "This link has been used already: each link works once.",
        ResetConfirmOutcome.Superseded => "The password of this account has been changed since this link was sent, so the link was cancelled.",
        _ => "This link is not one we sent, or a newer link has replaced it. Check that you copied the whole address, or use the newest message.",
    };

    private static Task<IResult> RequestPage(HttpContext http, Pages pages, string? email, string? error, bool sent, int status = 200) =>
        pages.RenderAsync(http, "password-reset", sent ? "Check your e-mail" : "Forgotten your password?", new
        {
            Email = email,
            Sent = sent,
            Errors = error is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["email"] = error },
        }, status);

    private static Task<IResult> ConfirmPage(HttpContext http, Pages pages, string? token, ResetConfirmOutcome outcome, string? error, int status = 200)
    {
        var usable = outcome is ResetConfirmOutcome.Done or ResetConfirmOutcome.BadPassword;
        return pages.RenderAsync(http, "password-reset-confirm", usable ? "Choose a new password" : "This link no longer works", new
        {
            Token = usable ? token : null,
            Problem = usable ? null : Describe(outcome),
            Errors = error is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["password"] = error },
        }, usable ? status : outcome == ResetConfirmOutcome.Invalid ? StatusCodes.Status400BadRequest : StatusCodes.Status410Gone);
    }
}
