using Kindred.Server.Content;
using Kindred.Server.Features.Groups;
using Kindred.Server.Theming;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>Thread pages: composing, reading with threaded replies, replying, pinning and locking, "waiting for a reply".</summary>
public static class ThreadPages
{
    public static IEndpointRouteBuilder MapThreadPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/groups/{slug}/threads/new", async (string slug, HttpContext http, Pages pages, GroupQueries groups) =>
        {
            var group = await groups.FindAsync(slug, http.Viewer(), http.RequestAborted);
            if (group is not { CanRead: true })
            {
                return await FailurePages.NotFoundAsync(http, pages);
            }

            return group.IsMember
                ? await ComposePage(http, pages, group, new StartThread.Input(null, null, null), new Dictionary<string, string>())
                : await FailurePages.FailureAsync(http, pages, Outcome<bool>.Forbidden("Join the group to start a thread in it."));
        }).RequireAuthorization().ExcludeFromDescription();

        // Not RequireAuthorization: a member whose session ended while writing is asked to sign in with their words
        // kept (ThreadDrafts), instead of being sent through a sign-in to this POST-only address and losing them.
        app.MapPost("/groups/{slug}/threads", async (string slug, HttpContext http, Pages pages, GroupQueries groups, StartThread start) =>
        {
            if (http.Viewer() == Guid.Empty || await Forms.ReadAsync(http) is not { } form)
            {
                return await ThreadDrafts.RescueAsync(http, pages, f => ThreadDrafts.ForThread(slug, f));
            }

            var input = new StartThread.Input(Forms.Value(form, "title"), Forms.Value(form, "content"), Forms.Value(form, "contentWarning"));
            var result = await start.RunAsync(slug, http.Viewer(), input, http.RequestAborted);
            if (result.Ok)
            {
                return Results.Redirect($"{result.Value!.Url}?notice=thread-started");
            }

            return result.Failure == Failure.Invalid
                ? await ComposePage(http, pages, (await groups.FindAsync(slug, http.Viewer(), http.RequestAborted))!, input, result.Errors, StatusCodes.Status400BadRequest)
                : await FailurePages.FailureAsync(http, pages, result);
        }).ExcludeFromDescription();

        app.MapGet("/threads/{id:guid}", async (Guid id, string? after, HttpContext http, Pages pages, ThreadQueries threads, SafeHtml safe, Data.Database db) =>
        {
            var viewer = http.Viewer();
            var thread = await threads.FindAsync(id, viewer, http.RequestAborted);
            if (thread is null)
            {
                return await FailurePages.NotFoundAsync(http, pages);
            }

            var replies = await threads.RepliesAsync(id, after, ct: http.RequestAborted, viewer: viewer, moderator: thread.CanModerate);
            WebViews.ReactionContext? reactions = null;
            if (viewer != Guid.Empty)
            {
                await using var c = await db.OpenAsync(http.RequestAborted);
                reactions = new WebViews.ReactionContext(await Reactions.ReactionStore.OnThreadAsync(c, id, viewer), thread.IsMember, thread.IsLocked);
            }

            return await pages.RenderAsync(http, "thread", thread.IsDeleted ? "Deleted thread" : thread.Title == "" ? "Removed thread" : thread.Title, new
            {
                Thread = WebViews.ThreadModel(thread, safe, viewer, reactions),
                Replies = replies.Items.Select(r => WebViews.ReplyModel(r, safe, viewer, reactions, thread.CanModerate && !thread.InRemoteGroup)).ToList(),
                Next = WebViews.NextLink(http, replies.Next, "after"),
                SignedIn = viewer != Guid.Empty,
                CanReply = thread.IsMember && !thread.IsLocked && !thread.IsDeleted && !thread.IsRemoved,
                Values = new { Content = "", ContentWarning = "" },
                Errors = new Dictionary<string, string>(),
            });
        }).ExcludeFromDescription();

        app.MapGet("/threads/{id:guid}/reply", async (Guid id, Guid? to, HttpContext http, Pages pages, ThreadQueries threads, SafeHtml safe) =>
        {
            var thread = await threads.FindAsync(id, http.Viewer(), http.RequestAborted);
            return thread is null
                ? await FailurePages.NotFoundAsync(http, pages)
                : await ReplyPage(http, pages, safe, threads, thread, to, new ReplyToThread.Input(null, null, to), new Dictionary<string, string>());
        }).RequireAuthorization().ExcludeFromDescription();

        // As for threads: an ended session keeps the words (ThreadDrafts).
        app.MapPost("/threads/{id:guid}/replies", async (Guid id, HttpContext http, Pages pages, ThreadQueries threads, ReplyToThread reply, SafeHtml safe) =>
        {
            if (http.Viewer() == Guid.Empty || await Forms.ReadAsync(http) is not { } form)
            {
                return await ThreadDrafts.RescueAsync(http, pages, f => ThreadDrafts.ForReply(id, f));
            }

            Guid? to = Guid.TryParse(Forms.Value(form, "inReplyTo"), out var parent) ? parent : null;
            var input = new ReplyToThread.Input(Forms.Value(form, "content"), Forms.Value(form, "contentWarning"), to);
            var result = await reply.RunAsync(id, http.Viewer(), input, http.RequestAborted);
            if (result.Ok)
            {
                return Results.Redirect($"/threads/{id}?notice=reply-posted#reply-{result.Value!.Id}");
            }

            var thread = await threads.FindAsync(id, http.Viewer(), http.RequestAborted);
            return result.Failure == Failure.Invalid && thread is not null
                ? await ReplyPage(http, pages, safe, threads, thread, to, input, result.Errors, StatusCodes.Status400BadRequest)
                : await FailurePages.FailureAsync(http, pages, result);
        }).ExcludeFromDescription();

        app.MapPost("/threads/{id:guid}/moderation", async (Guid id, HttpContext http, Pages pages, ModerateThread moderate) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            bool? pinned = Forms.Value(form, "pinned") is { } p ? p == "true" : null;
            bool? locked = Forms.Value(form, "locked") is { } l ? l == "true" : null;
            var result = await moderate.RunAsync(id, http.Viewer(), pinned, locked, http.RequestAborted);
            return result.Ok ? Results.Redirect($"/threads/{id}?notice=thread-updated") : await FailurePages.FailureAsync(http, pages, result);
        }).RequireAuthorization().ExcludeFromDescription();

        app.MapGet("/waiting", async (string? after, HttpContext http, Pages pages, ThreadQueries threads) =>
        {
            var page = await threads.WaitingForMemberAsync(http.Viewer(), after, ct: http.RequestAborted);
            return await pages.RenderAsync(http, "waiting", "Waiting for a reply", new
            {
                GroupName = (string?)null,
                Threads = page.Items.Select(WebViews.SummaryModel).ToList(),
                Next = WebViews.NextLink(http, page.Next, "after"),
            });
        }).RequireAuthorization().ExcludeFromDescription();

        return app;
    }

    internal static Task<IResult> ComposePage(HttpContext http, Pages pages, GroupView group, StartThread.Input values, IReadOnlyDictionary<string, string> errors,
        int status = 200, string? notice = null) =>
        pages.RenderAsync(http, "thread-new", $"Start a thread in {group.Name}", new
        {
            Group = new { group.Name, Url = $"/groups/{group.Slug.ToLowerInvariant()}", Action = $"/groups/{group.Slug.ToLowerInvariant()}/threads", IsFederated = group.Federation == Group.Federated, group.IsRemote, group.Origin },
            Values = values,
            Errors = errors.ToDictionary(e => e.Key, e => e.Value),
            Notice = notice is null ? null : Pages.Notice(notice),
        }, status);

    internal static async Task<IResult> ReplyPage(HttpContext http, Pages pages, SafeHtml safe, ThreadQueries threads, ThreadView thread, Guid? to,
        ReplyToThread.Input values, IReadOnlyDictionary<string, string> errors, int status = 200, string? notice = null)
    {
        // The reply being answered, shown above the form.
        var parent = to is { } parentId ? await threads.FindReplyAsync(thread.Id, parentId, http.RequestAborted) : null;

        return await pages.RenderAsync(http, "reply-new", $"Reply to {thread.Title}", new
        {
            Thread = WebViews.ThreadModel(thread, safe, http.Viewer()),
            Parent = parent is null ? null : WebViews.ReplyModel(parent, safe, http.Viewer()),
            InReplyTo = parent?.Id,
            CanReply = thread.IsMember && !thread.IsLocked && !thread.IsDeleted && !thread.IsRemoved,
            Values = new { values.Content, values.ContentWarning },
            Errors = errors.ToDictionary(e => e.Key, e => e.Value),
            Notice = notice is null ? null : Pages.Notice(notice),
        }, status);
    }
}
