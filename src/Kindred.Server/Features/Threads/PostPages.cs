using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Theming;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>Editing and deleting your own thread or reply, as forms (delete asks first).</summary>
public static class PostPages
{
    public static IEndpointRouteBuilder MapPostPages(this IEndpointRouteBuilder app)
    {
        var posts = app.MapGroup("/posts/{id:guid}").RequireAuthorization().ExcludeFromDescription();

        posts.MapGet("/edit", async (Guid id, HttpContext http, Pages pages, Database db) =>
        {
            var found = await FindAsync(db, id, http);
            return found.Ok
                ? await EditPage(http, pages, found.Value!, new EditPost.Input(found.Value!.Title, found.Value.Content, found.Value.ContentWarning), new Dictionary<string, string>())
                : await FailurePages.FailureAsync(http, pages, found);
        });

        posts.MapPost("/edit", async (Guid id, HttpContext http, Pages pages, Database db, EditPost edit) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var found = await FindAsync(db, id, http);
            if (!found.Ok)
            {
                return await FailurePages.FailureAsync(http, pages, found);
            }

            // A form always sends every field: an emptied content warning field removes the warning.
            var input = new EditPost.Input(found.Value!.IsThread ? Forms.Value(form, "title") ?? "" : null, Forms.Value(form, "content") ?? "", Forms.Value(form, "contentWarning") ?? "");
            var result = await edit.RunAsync(id, http.Viewer(), input, http.RequestAborted);
            if (result.Ok)
            {
                return Results.Redirect(WithNotice(result.Value!, "post-edited"));
            }

            return result.Failure == Failure.Invalid
                ? await EditPage(http, pages, found.Value, input, result.Errors, StatusCodes.Status400BadRequest)
                : await FailurePages.FailureAsync(http, pages, result);
        });

        posts.MapGet("/delete", async (Guid id, HttpContext http, Pages pages, Database db) =>
        {
            var found = await FindAsync(db, id, http);
            return found.Ok
                ? await pages.RenderAsync(http, "post-delete", found.Value!.IsThread ? "Delete your thread" : "Delete your reply", new
                {
                    found.Value.IsThread,
                    found.Value.Title,
                    Action = $"/posts/{id}/delete",
                    BackUrl = found.Value.Ref.Url,
                })
                : await FailurePages.FailureAsync(http, pages, found);
        });

        posts.MapPost("/delete", async (Guid id, HttpContext http, Pages pages, DeletePost delete) =>
        {
            if (await Forms.ReadAsync(http) is null)
            {
                return await Forms.ExpiredAsync(http);
            }

            var result = await delete.RunAsync(id, http.Viewer(), http.RequestAborted);
            return result.Ok ? Results.Redirect(WithNotice(result.Value!, "post-deleted")) : await FailurePages.FailureAsync(http, pages, result);
        });

        return app;
    }

    private static string WithNotice(PostRef post, string notice) =>
        post.IsThread ? $"/threads/{post.ThreadId}?notice={notice}" : $"/threads/{post.ThreadId}?notice={notice}#reply-{post.Id}";

    private static async Task<Outcome<PostRow>> FindAsync(Database db, Guid id, HttpContext http)
    {
        await using var c = await db.OpenAsync(http.RequestAborted);
        return await PostLookup.FindOwnAsync(c, null, id, http.Viewer());
    }

    private static Task<IResult> EditPage(HttpContext http, Pages pages, PostRow post, EditPost.Input values, IReadOnlyDictionary<string, string> errors, int status = 200) =>
        pages.RenderAsync(http, "post-edit", post.IsThread ? "Edit your thread" : "Edit your reply", new
        {
            post.IsThread,
            Action = $"/posts/{post.Id}/edit",
            BackUrl = post.Ref.Url,
            Values = values,
            Errors = errors.ToDictionary(e => e.Key, e => e.Value),
        }, status);
}
