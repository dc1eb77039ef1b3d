using System.ComponentModel;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Theming;
using Kindred.Server.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kindred.Server.Features.DataRights;

public sealed record ErasureDeliveryResponse(string Server, [property: Description("queued, in_flight, delivered, failed or gave_up.")] string State, int Attempts, DateTimeOffset? FinishedAt);

public sealed record ErasureResponse(
    Guid Id,
    [property: Description("pending (the grace period), erasing, done or cancelled.")] string State,
    DateTimeOffset RequestedAt,
    [property: Description("When the erasure starts; until then signing in or POST /api/v1/accounts/me/restore cancels it.")] DateTimeOffset EffectiveAt,
    DateTimeOffset? FinishedAt,
    [property: Description("Where the Delete of your account was sent, per server, and whether it was accepted.")] IReadOnlyList<ErasureDeliveryResponse> Servers)
{
    public static ErasureResponse From(AccountErasure e, IReadOnlyList<ErasureDelivery> servers) => new(e.Id, e.State, e.RequestedAt, e.EffectiveAt, e.FinishedAt,
        servers.Select(s => new ErasureDeliveryResponse(s.Server, s.State, s.Attempts, s.FinishedAt)).ToList());
}

/// <summary>"Delete my account": the page, its API twin and the restore within the grace period.</summary>
public static class ErasureEndpoints
{
    public static IEndpointRouteBuilder MapErasureEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/account/delete", async (HttpContext http, Pages pages) => await DeletePage(http, pages, null)).RequireAuthorization();

        app.MapPost("/account/delete", async (HttpContext http, Pages pages, UserStore users, PasswordHasher hasher, AccountErasures erasures) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var user = (await users.FindByIdAsync(http.Viewer(), http.RequestAborted))!;
            var errors = new Dictionary<string, string>();
            if (!Forms.Checked(form, "understood"))
            {
                errors["understood"] = "Tick the box to say you understand what happens.";
            }

            if (!await hasher.VerifyAsync(Forms.Value(form, "password") ?? "", user.PasswordHash, http.RequestAborted))
            {
                errors["password"] = "That is not your current password.";
            }

            if (errors.Count > 0)
            {
                return await DeletePage(http, pages, errors, StatusCodes.Status400BadRequest);
            }

            var erasure = await erasures.RequestAsync(user.Id, ct: http.RequestAborted);
            // Every session ended with the request; this browser's cookie goes too.
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            http.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity());
            return await pages.RenderAsync(http, "account-delete-requested", "Your account will be deleted", new
            {
                EffectiveAt = erasure.EffectiveAt.UtcDateTime,
                AtOnce = erasure.EffectiveAt <= erasure.RequestedAt,
            });
        }).RequireAuthorization().RequireRateLimiting(Policies.SignInRateLimit);

        var api = app.MapGroup("/api/v1/accounts/me").WithTags("Accounts").DisableAntiforgery().RequireAuthorization(Policies.Api);

        api.MapDelete("", async Task<Results<Accepted<ErasureResponse>, ValidationProblem>> ([FromBodyOrEmpty] PasswordRequest? body, HttpContext http,
            UserStore users, PasswordHasher hasher, AccountErasures erasures) =>
        {
            var user = await users.FindByIdAsync(http.Viewer(), http.RequestAborted);
            if (user is null || !await hasher.VerifyAsync(body?.Password ?? "", user.PasswordHash, http.RequestAborted))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["password"] = ["That is not your current password."] },
                    title: "Please correct the highlighted fields");
            }

            var erasure = await erasures.RequestAsync(user.Id, ct: http.RequestAborted);
            return TypedResults.Accepted("/api/v1/accounts/me/erasure", ErasureResponse.From(erasure, []));
        }).RequireRateLimiting(Policies.SignInRateLimit)
            .WithSummary("Delete your account (needs your password): starts the grace period and answers with the date the erasure takes effect. Ends every session and token. While one is waiting, answers with it.");

        api.MapGet("/erasure", async Task<Results<Ok<ErasureResponse>, ProblemHttpResult>> (HttpContext http, AccountErasures erasures) =>
            await erasures.OpenAsync(http.Viewer(), http.RequestAborted) is { } e
                ? TypedResults.Ok(ErasureResponse.From(e, await erasures.DeliveriesAsync(e, http.RequestAborted)))
                : ApiProblems.NotFound())
            .WithSummary("Your account's erasure while it is waiting or running");

        api.MapPost("/restore", async Task<Results<Ok<ErasureResponse>, ProblemHttpResult>> (HttpContext http, AccountErasures erasures) =>
        {
            var open = await erasures.OpenAsync(http.Viewer(), http.RequestAborted);
            if (open is null)
            {
                return TypedResults.Problem(title: "Nothing to restore", detail: "Your account is not waiting to be deleted.", statusCode: StatusCodes.Status404NotFound);
            }

            if (!await erasures.CancelAsync(http.Viewer(), http.RequestAborted))
            {
                return TypedResults.Problem(title: "Too late to restore", detail: "The erasure has already started and cannot be undone.", statusCode: StatusCodes.Status409Conflict);
            }

            return TypedResults.Ok(ErasureResponse.From((await erasures.FindAsync(open.Id, http.RequestAborted))!, []));
        }).WithSummary("Keep your account: cancels a deletion that is still in its grace period");

        return app;
    }

    private static async Task<IResult> DeletePage(HttpContext http, Pages pages, Dictionary<string, string>? errors, int status = StatusCodes.Status200OK)
    {
        var grace = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Configuration.KindredOptions>>().Value.Accounts.ErasureGracePeriod;
        return await pages.RenderAsync(http, "account-delete", "Delete your account", new
        {
            Errors = errors ?? new Dictionary<string, string>(),
            GraceDays = (int)Math.Ceiling(grace.TotalDays),
            AtOnce = grace <= TimeSpan.Zero,
        }, status);
    }
}

/// <summary>Lets DELETE take its JSON body optionally (a missing body reads as no password, answered with 400, never 415).</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class FromBodyOrEmptyAttribute : Attribute, Microsoft.AspNetCore.Http.Metadata.IFromBodyMetadata
{
    public bool AllowEmpty => true;
}
