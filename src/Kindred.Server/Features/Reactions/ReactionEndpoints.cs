using Kindred.Server.Features.Groups;
using Kindred.Server.Configuration;
using Kindred.Server.Theming;
using Microsoft.AspNetCore.Http.HttpResults;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Reactions;

public sealed record ReactionResponse(Guid PostId, [property: System.ComponentModel.Description("True when you have said \"I hear you\" to this post.")] bool Reacted,
    [property: System.ComponentModel.Description("The one reaction there is.")] string Reaction = "i_hear_you");

/// <summary>"I hear you": a form under each post (works without JavaScript) and its API twin. No count is ever returned.</summary>
public static class ReactionEndpoints
{
    public static IEndpointRouteBuilder MapReactions(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Reactions").DisableAntiforgery().RequireAuthorization(Policies.Api);

        api.MapPut("/posts/{id:guid}/reaction", async Task<Results<Ok<ReactionResponse>, ProblemHttpResult>> (Guid id, HttpContext http, React react) =>
        {
            var result = await react.AddAsync(id, http.Viewer(), http.RequestAborted);
            return result.Ok ? TypedResults.Ok(new ReactionResponse(id, true)) : ApiProblems.Problem(result);
        }).WithName("React").WithSummary("Say \"I hear you\" to someone else's thread or reply in a group you belong to; 409 when the thread is locked. Idempotent.");

        api.MapDelete("/posts/{id:guid}/reaction", async Task<Results<NoContent, ProblemHttpResult>> (Guid id, HttpContext http, React react) =>
        {
            var result = await react.RemoveAsync(id, http.Viewer(), http.RequestAborted);
            return result.Ok ? TypedResults.NoContent() : ApiProblems.Problem(result);
        }).WithName("TakeBackReaction").WithSummary("Take back your \"I hear you\". Idempotent: 204 whether or not there was one.");

        app.MapPost("/posts/{id:guid}/reaction", async (Guid id, HttpContext http, Pages pages, React react) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var add = Forms.Value(form, "reacted") != "false";
            var result = add ? await react.AddAsync(id, http.Viewer(), http.RequestAborted) : await react.RemoveAsync(id, http.Viewer(), http.RequestAborted);
            if (!result.Ok)
            {
                return await FailurePages.FailureAsync(http, pages, result);
            }

            var threadId = result.Value!.ThreadId;
            var anchor = threadId == id ? "" : $"#reply-{id}";
            return Results.Redirect($"/threads/{threadId}?notice={(add ? "reaction-sent" : "reaction-taken-back")}{anchor}");
        }).RequireAuthorization().ExcludeFromDescription();

        return app;
    }
}
