using Kindred.Server.Theming;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Accounts;

/// <summary>
/// The link sent to a new e-mail address (<see cref="EmailChanges"/>). Opening it shows a button: mail scanners that
/// open links change nothing. It works without signing in (the link is the proof), e.g. on a phone.
/// </summary>
public static class EmailChangePages
{
    public static IEndpointRouteBuilder MapEmailChangePages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/account/email/confirm", async (string? token, HttpContext http, Pages pages, EmailChanges changes) =>
            await changes.IsValidAsync(token, http.RequestAborted)
                ? await Page(http, pages, token, null)
                : await Page(http, pages, null, Invalid, StatusCodes.Status400BadRequest));

        app.MapPost("/account/email/confirm", async (HttpContext http, Pages pages, EmailChanges changes) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            return await changes.ConfirmAsync(Forms.Value(form, "token"), http.RequestAborted) switch
            {
                EmailChangeOutcome.Changed => http.User.Identity?.IsAuthenticated == true
                    ? Results.Redirect("/account?notice=email-changed")
                    : Results.Redirect("/signin?notice=email-changed"),
                EmailChangeOutcome.Taken => await Page(http, pages, null,
                    "Another account started using that address in the meantime, so it was not changed. Your account keeps its address.", StatusCodes.Status409Conflict),
                _ => await Page(http, pages, null, Invalid, StatusCodes.Status400BadRequest),
            };
        });

        return app;
    }

    private const string Invalid = "This link no longer works: it was used already, is more than a day old, was replaced by a newer one, " +
                                   "or the password was changed since. Your account keeps its address. To change it, ask again on your Account page.";

    private static Task<IResult> Page(HttpContext http, Pages pages, string? token, string? problem, int status = 200) =>
        pages.RenderAsync(http, "email-confirm", problem is null ? "Confirm your new e-mail address" : "This link no longer works",
            new { Token = token, Problem = problem }, status);
}
