using Kindred.Server.Content;
using Kindred.Server.Data;
using Kindred.Server.Features.Reactions;
using Kindred.Server.Features.Groups;
using Kindred.Server.Configuration;
using Microsoft.AspNetCore.Http.HttpResults;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>The threads part of the JSON API: threads, replies, edits, deletions, pins and locks, "waiting for a reply".</summary>
public static class ThreadApi
{
    public static IEndpointRouteBuilder MapThreadApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Threads").DisableAntiforgery().RequireAuthorization(Policies.Api);

        api.MapGet("/groups/{slug}/threads", async Task<Results<Ok<ListResponse<ThreadSummaryResponse>>, ProblemHttpResult>> (string slug, string? before,
            HttpContext http, GroupQueries groups, ThreadQueries threads, Database db) =>
        {
            var group = await groups.FindAsync(slug, http.Viewer(), http.RequestAborted);
            if (group is not { CanRead: true })
            {
                return ApiProblems.NotFound();
            }

            var (pinned, page) = await threads.ListAsync(group.Id, before, ct: http.RequestAborted);
            var items = await SummariesAsync(pinned.Concat(page.Items).ToList(), http, db);
            return TypedResults.Ok(new ListResponse<ThreadSummaryResponse>(items, http.NextUrl(page.Next, "before")));
        }).WithName("ListThreads").WithSummary("A group's threads: pinned first (first page), then newest first");

        api.MapPost("/groups/{slug}/threads", async Task<Results<Created<ThreadResponse>, ValidationProblem, ProblemHttpResult>> (string slug,
            NewThreadRequest body, HttpContext http, StartThread start, ThreadQueries threads, SafeHtml safe) =>
        {
            var result = await start.RunAsync(slug, http.Viewer(), new StartThread.Input(body.Title, body.Content, body.ContentWarning), http.RequestAborted);
            if (result.Failure == Failure.Invalid)
            {
                return ApiProblems.Validation(result);
            }

            if (!result.Ok)
            {
                return ApiProblems.Problem(result);
            }

            // Just written by the caller: nobody has reacted yet, and the author sees 0.
            var thread = ThreadResponse.From((await threads.FindAsync(result.Value!.Id, http.Viewer(), http.RequestAborted))!, safe, http.Origin(),
                ThreadReactions.None, http.Viewer());
            return TypedResults.Created(thread.Url, thread);
        }).WithName("StartThread").WithSummary("Start a thread in a group you belong to");

        api.MapGet("/groups/{slug}/waiting", async Task<Results<Ok<ListResponse<ThreadSummaryResponse>>, ProblemHttpResult>> (string slug, string? after,
            HttpContext http, GroupQueries groups, ThreadQueries threads, Database db) =>
        {
            var group = await groups.FindAsync(slug, http.Viewer(), http.RequestAborted);
            if (group is not { CanRead: true })
            {
                return ApiProblems.NotFound();
            }

            var page = await threads.WaitingInGroupAsync(group.Id, after, ct: http.RequestAborted);
            return TypedResults.Ok(new ListResponse<ThreadSummaryResponse>(await SummariesAsync(page.Items, http, db), http.NextUrl(page.Next, "after")));
        }).WithName("ListWaitingInGroup").WithSummary("Threads in this group nobody has answered yet, oldest first");

        api.MapGet("/waiting", async Task<Ok<ListResponse<ThreadSummaryResponse>>> (string? after, HttpContext http, ThreadQueries threads, Database db) =>
        {
            var page = await threads.WaitingForMemberAsync(http.Viewer(), after, ct: http.RequestAborted);
            return TypedResults.Ok(new ListResponse<ThreadSummaryResponse>(await SummariesAsync(page.Items, http, db), http.NextUrl(page.Next, "after")));
        }).WithName("ListWaiting").WithSummary("Threads nobody has answered yet in all your groups, oldest first");

        api.MapGet("/threads/{id:guid}", async Task<Results<Ok<ThreadDetailResponse>, ProblemHttpResult>> (Guid id, string? after, HttpContext http,
            ThreadQueries threads, SafeHtml safe, Database db) =>
        {
            var viewer = http.Viewer();
            var thread = await threads.FindAsync(id, viewer, http.RequestAborted);
            if (thread is null)
            {
                return ApiProblems.NotFound();
            }

            var replies = await threads.RepliesAsync(id, after, ct: http.RequestAborted, viewer: viewer, moderator: thread.CanModerate);
            // The thread and this page of replies in one query.
            var reactions = await ReactionStore.OnPostsAsync(db, [thread.Id, .. replies.Items.Select(r => r.Id)], viewer, http.RequestAborted);
            return TypedResults.Ok(new ThreadDetailResponse(ThreadResponse.From(thread, safe, http.Origin(), reactions, viewer),
                new ListResponse<ReplyResponse>(replies.Items.Select(r => ReplyResponse.From(r, safe, http.Origin(), reactions, viewer)).ToList(),
                    http.NextUrl(replies.Next, "after"))));
        }).WithName("GetThread").WithSummary("A thread and a page of its replies in threaded reading order");

        api.MapPatch("/threads/{id:guid}", async Task<Results<Ok<ThreadResponse>, ProblemHttpResult>> (Guid id, ModerateThreadRequest body,
            HttpContext http, ModerateThread moderate, SafeHtml safe, Database db) =>
        {
            var result = await moderate.RunAsync(id, http.Viewer(), body.Pinned, body.Locked, http.RequestAborted);
            if (!result.Ok)
            {
                return ApiProblems.Problem(result);
            }

            var reactions = await ReactionStore.OnPostsAsync(db, [result.Value!.Id], http.Viewer(), http.RequestAborted);
            return TypedResults.Ok(ThreadResponse.From(result.Value!, safe, http.Origin(), reactions, http.Viewer()));
        }).WithName("ModerateThread").WithSummary("Pin or lock a thread (moderators)");

        api.MapPost("/threads/{id:guid}/replies", async Task<Results<Created<ReplyResponse>, ValidationProblem, ProblemHttpResult>> (Guid id,
            NewReplyRequest body, HttpContext http, ReplyToThread reply, SafeHtml safe) =>
        {
            var result = await reply.RunAsync(id, http.Viewer(), new ReplyToThread.Input(body.Content, body.ContentWarning, body.InReplyTo), http.RequestAborted);
            if (result.Failure == Failure.Invalid)
            {
                return ApiProblems.Validation(result);
            }

            if (!result.Ok)
            {
                return ApiProblems.Problem(result);
            }

            var response = ReplyResponse.From(result.Value! with { AuthorName = http.User.Identity?.Name }, safe, http.Origin(), ThreadReactions.None, http.Viewer());
            return TypedResults.Created(response.Url, response);
        }).WithName("ReplyToThread").WithSummary("Reply to a thread, or to a reply with inReplyTo; 409 when the thread is locked");

        api.MapPatch("/posts/{id:guid}", async Task<Results<Ok<PostResponse>, ValidationProblem, ProblemHttpResult>> (Guid id, EditPostRequest body,
            HttpContext http, EditPost edit) =>
        {
            var result = await edit.RunAsync(id, http.Viewer(), new EditPost.Input(body.Title, body.Content, body.ContentWarning), http.RequestAborted);
            if (result.Failure == Failure.Invalid)
            {
                return ApiProblems.Validation(result);
            }

            return result.Ok ? TypedResults.Ok(Post(result.Value!, http)) : ApiProblems.Problem(result);
        }).WithName("EditPost").WithSummary("Edit your own thread or reply; it is shown as edited");

        api.MapDelete("/posts/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (Guid id, HttpContext http, DeletePost delete) =>
        {
            var result = await delete.RunAsync(id, http.Viewer(), http.RequestAborted);
            return result.Ok ? TypedResults.NoContent() : ApiProblems.Problem(result);
        }).WithName("DeletePost").WithSummary("Delete your own thread or reply; its words are erased, a placeholder keeps the conversation readable");

        return app;
    }

    /// <summary>A page of thread summaries with the caller's reactions: one query for the whole page, not one per thread.</summary>
    private static async Task<List<ThreadSummaryResponse>> SummariesAsync(IReadOnlyList<ThreadSummary> items, HttpContext http, Database db)
    {
        var viewer = http.Viewer();
        var reactions = await ReactionStore.OnPostsAsync(db, items.Select(t => t.Id).ToList(), viewer, http.RequestAborted);
        return items.Select(t => ThreadSummaryResponse.From(t, http.Origin(), reactions, viewer)).ToList();
    }

    private static PostResponse Post(PostRef p, HttpContext http) =>
        new(p.Id, p.ThreadId, http.Origin() + p.Url, p.IsThread ? "thread" : "reply");
}
