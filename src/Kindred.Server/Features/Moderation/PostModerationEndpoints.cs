using System.ComponentModel;
using Kindred.Server.Data;
using Kindred.Server.Theming;
using Kindred.Server.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kindred.Server.Features.Moderation;

public sealed record RemovePostRequest(
    [property: Description("Why it is removed; its author is told (up to 500 characters).")] string? Reason,
    [property: Description("Also show the reason to members, under \"Removed by moderators\". Default false.")] bool? ShowReason);

public sealed record ModeratedPostResponse(Guid Id, Guid ThreadId, string Url, [property: Description("thread or reply.")] string Kind, bool Removed);

/// <summary>Removing and restoring posts: the moderator's form and buttons on the thread page, and the API twins.</summary>
public static class PostModerationEndpoints
{
    public static IEndpointRouteBuilder MapPostModeration(this IEndpointRouteBuilder app)
    {
        var pagesGroup = app.MapGroup("/posts/{id:guid}").RequireAuthorization().ExcludeFromDescription();

        pagesGroup.MapGet("/remove", async (Guid id, HttpContext http, Pages pages, Database db) =>
        {
            var found = await FindAsync(db, id, http);
            return found.Ok
                ? await RemovePage(http, pages, found.Value!, new { Reason = "", ShowReason = false }, new Dictionary<string, string>())
                : await FailurePages.FailureAsync(http, pages, found);
        });

        pagesGroup.MapPost("/remove", async (Guid id, HttpContext http, Pages pages, Database db, RemovePost remove) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var reason = Forms.Value(form, "reason");
            var show = Forms.Checked(form, "showReason");
            var result = await remove.RemoveAsync(id, http.Viewer(), reason, show, http.RequestAborted);
            if (result.Ok)
            {
                return Results.Redirect(Back(result.Value!, "post-removed"));
            }

            if (result.Failure == Failure.Invalid && await FindAsync(db, id, http) is { Ok: true } found)
            {
                return await RemovePage(http, pages, found.Value!, new { Reason = reason ?? "", ShowReason = show }, result.Errors, StatusCodes.Status400BadRequest);
            }

            return await FailurePages.FailureAsync(http, pages, result);
        });

        pagesGroup.MapPost("/restore", async (Guid id, HttpContext http, Pages pages, RemovePost remove) =>
        {
            if (await Forms.ReadAsync(http) is null)
            {
                return await Forms.ExpiredAsync(http);
            }

            var result = await remove.RestoreAsync(id, http.Viewer(), http.RequestAborted);
            return result.Ok ? Results.Redirect(Back(result.Value!, "post-restored")) : await FailurePages.FailureAsync(http, pages, result);
        });

        var api = app.MapGroup("/api/v1/posts/{id:guid}").WithTags("Moderation").DisableAntiforgery().RequireAuthorization(Policies.Api);

        api.MapPost("/remove", async Task<Results<Ok<ModeratedPostResponse>, ValidationProblem, ProblemHttpResult>> (Guid id, RemovePostRequest body,
            HttpContext http, RemovePost remove) =>
        {
            var result = await remove.RemoveAsync(id, http.Viewer(), body.Reason, body.ShowReason ?? false, http.RequestAborted);
            if (result.Failure == Failure.Invalid)
            {
                return ApiProblems.Validation(result);
            }

            return result.Ok ? TypedResults.Ok(Response(result.Value!, http, removed: true)) : ApiProblems.Problem(result);
        }).WithName("RemovePost").WithSummary("Remove a thread or reply from your group with a reason (moderators); its author is told; 409 when removed already");

        api.MapPost("/restore", async Task<Results<Ok<ModeratedPostResponse>, ProblemHttpResult>> (Guid id, HttpContext http, RemovePost remove) =>
        {
            var result = await remove.RestoreAsync(id, http.Viewer(), http.RequestAborted);
            return result.Ok ? TypedResults.Ok(Response(result.Value!, http, removed: false)) : ApiProblems.Problem(result);
        }).WithName("RestorePost").WithSummary("Restore a removed thread or reply (moderators); 409 when it is not removed");

        return app;
    }

    private static ModeratedPostResponse Response(Threads.PostRef p, HttpContext http, bool removed) =>
        new(p.Id, p.ThreadId, http.Origin() + p.Url, p.IsThread ? "thread" : "reply", removed);

    private static string Back(Threads.PostRef post, string notice) =>
        post.IsThread ? $"/threads/{post.ThreadId}?notice={notice}" : $"/threads/{post.ThreadId}?notice={notice}#reply-{post.Id}";

    private static async Task<Outcome<ModeratedPost>> FindAsync(Database db, Guid id, HttpContext http)
    {
        await using var c = await db.OpenAsync(http.RequestAborted);
        var found = await ModerationTarget.PostAsync(c, null, id, http.Viewer(), "remove posts");
        return found.Ok && found.Value!.RemovedAt is not null ? Outcome<ModeratedPost>.Conflict("This post is removed already.") : found;
    }

    private static Task<IResult> RemovePage(HttpContext http, Pages pages, ModeratedPost post, object values, IReadOnlyDictionary<string, string> errors, int status = 200) =>
        pages.RenderAsync(http, "post-remove", post.IsThread ? "Remove this thread" : "Remove this reply", new
        {
            post.IsThread,
            post.Label,
            IsFederated = false,
            Action = $"/posts/{post.Id}/remove",
            BackUrl = post.IsThread ? $"/threads/{post.ThreadId}" : $"/threads/{post.ThreadId}#reply-{post.Id}",
            Values = values,
            Errors = errors.ToDictionary(e => e.Key, e => e.Value),
        }, status);
}
