using System.ComponentModel;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Theming;
using Kindred.Server.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kindred.Server.Features.DataRights;

public sealed record PasswordRequest([property: Description("The account's current password.")] string? Password);

public sealed record ExportResponse(
    Guid Id,
    [property: Description("queued, building, ready, failed or expired.")] string State,
    [property: Description("Percent done while it is built.")] int Progress,
    DateTimeOffset RequestedAt,
    DateTimeOffset? ReadyAt,
    [property: Description("The download link works until then.")] DateTimeOffset? ExpiresAt,
    long? SizeBytes,
    [property: Description("Where to download the ZIP (with the same bearer token) while it is ready; null otherwise.")] string? DownloadUrl)
{
    public static ExportResponse From(AccountExport e, HttpContext http) => new(e.Id, e.State, e.Progress, e.RequestedAt, e.ReadyAt, e.ExpiresAt, e.SizeBytes,
        e.State == AccountExports.States.Ready ? http.Origin() + "/api/v1/accounts/me/export/download" : null);
}

/// <summary>"Download your data": the account page's export section and its API twin.</summary>
public static class ExportEndpoints
{
    public const string TooManyMessage = "You have asked for several exports today. Please use the latest one, or ask again tomorrow.";

    public static IEndpointRouteBuilder MapExportEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/account/export", async (HttpContext http, Pages pages, AccountExports exports) =>
            await ExportPage(http, pages, await exports.LatestAsync(http.Viewer(), http.RequestAborted), null)).RequireAuthorization();

        app.MapPost("/account/export", async (HttpContext http, Pages pages, UserStore users, PasswordHasher hasher, AccountExports exports) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var user = (await users.FindByIdAsync(http.Viewer(), http.RequestAborted))!;
            if (!await hasher.VerifyAsync(Forms.Value(form, "password") ?? "", user.PasswordHash, http.RequestAborted))
            {
                return await ExportPage(http, pages, await exports.LatestAsync(user.Id, http.RequestAborted),
                    new Dictionary<string, string> { ["password"] = "That is not your current password." }, StatusCodes.Status400BadRequest);
            }

            var (outcome, _) = await exports.RequestAsync(user.Id, ct: http.RequestAborted);
            return outcome == ExportRequestOutcome.TooMany
                ? await ExportPage(http, pages, await exports.LatestAsync(user.Id, http.RequestAborted),
                    new Dictionary<string, string> { ["password"] = TooManyMessage }, StatusCodes.Status429TooManyRequests)
                : Results.Redirect("/account/export?notice=export-requested");
        }).RequireAuthorization().RequireRateLimiting(Policies.SignInRateLimit);

        app.MapGet("/account/export/download", async (HttpContext http, AccountExports exports) =>
            await DownloadAsync(http, exports, api: false)).RequireAuthorization();

        var api = app.MapGroup("/api/v1/accounts/me/export").WithTags("Accounts").DisableAntiforgery().RequireAuthorization(Policies.Api);

        api.MapPost("", async Task<Results<Accepted<ExportResponse>, ValidationProblem, ProblemHttpResult>> (PasswordRequest body, HttpContext http,
            UserStore users, PasswordHasher hasher, AccountExports exports) =>
        {
            var user = await users.FindByIdAsync(http.Viewer(), http.RequestAborted);
            if (user is null || !await hasher.VerifyAsync(body.Password ?? "", user.PasswordHash, http.RequestAborted))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["password"] = ["That is not your current password."] },
                    title: "Please correct the highlighted fields");
            }

            var (outcome, export) = await exports.RequestAsync(user.Id, ct: http.RequestAborted);
            return outcome == ExportRequestOutcome.TooMany
                ? TooManyRequests.Problem(http, TimeSpan.FromHours(1), TooManyMessage)
                : TypedResults.Accepted("/api/v1/accounts/me/export", ExportResponse.From(export!, http));
        }).RequireRateLimiting(Policies.SignInRateLimit)
            .WithSummary("Ask for an export of everything you wrote (a ZIP built in the background; needs your password). While one is being built, answers with that one.");

        api.MapGet("", async Task<Results<Ok<ExportResponse>, ProblemHttpResult>> (HttpContext http, AccountExports exports) =>
            await exports.LatestAsync(http.Viewer(), http.RequestAborted) is { } e ? TypedResults.Ok(ExportResponse.From(e, http)) : ApiProblems.NotFound())
            .WithSummary("Your latest export: its state and progress, and downloadUrl when it is ready");

        api.MapGet("/download", async (HttpContext http, AccountExports exports) => await DownloadAsync(http, exports, api: true))
            .WithSummary("Download your latest export (application/zip) while its link has not expired");

        return app;
    }

    private static async Task<IResult> DownloadAsync(HttpContext http, AccountExports exports, bool api)
    {
        if (await exports.DownloadAsync(http.Viewer(), http.RequestAborted) is not { } found)
        {
            // Browsers get the themed 404 page (ErrorPages); API clients a problem that says why.
            return !api ? Results.NotFound() : Results.Problem(title: "Not found", detail: "There is no export ready to download: it may have expired. Ask for a new one on your account page.",
                statusCode: StatusCodes.Status404NotFound);
        }

        http.Response.Headers.CacheControl = "no-store";
        return Results.File(found.Zip, "application/zip", $"kindred-export-{found.Export.ReadyAt:yyyy-MM-dd}.zip");
    }

    private static Task<IResult> ExportPage(HttpContext http, Pages pages, AccountExport? latest, Dictionary<string, string>? errors, int status = StatusCodes.Status200OK) =>
        pages.RenderAsync(http, "account-export", "Download your data", new
        {
            Errors = errors ?? new Dictionary<string, string>(),
            Export = latest is null ? null : new
            {
                latest.State,
                latest.Progress,
                RequestedAt = latest.RequestedAt.UtcDateTime,
                ExpiresAt = latest.ExpiresAt?.UtcDateTime,
                SizeKb = latest.SizeBytes is { } b ? Math.Max(1, (b + 1023) / 1024) : 0,
                Active = latest.IsActive,
            },
            Files = ExportArchive.Files,
        }, status);
}
