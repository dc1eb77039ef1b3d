using Kindred.Server.Content;
using Kindred.Server.Features.Threads;
using Kindred.Server.Theming;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Reports;

/// <summary>The report form (a post, or a person) and the reports page of moderators and admins, as forms without JavaScript.</summary>
public static class ReportPages
{
    public static IEndpointRouteBuilder MapReportPages(this IEndpointRouteBuilder app)
    {
        var pagesGroup = app.MapGroup("/reports").RequireAuthorization().ExcludeFromDescription();

        pagesGroup.MapGet("/new", async (Guid? post, string? member, HttpContext http, Pages pages, FileReport file) =>
        {
            var values = new FormValues(post is null ? "person" : "post", "", "");
            return await FormPageAsync(http, pages, file, post, member, values, new Dictionary<string, string>());
        });

        pagesGroup.MapPost("/new", async (HttpContext http, Pages pages, FileReport file) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var post = Guid.TryParse(Forms.Value(form, "post"), out var p) ? p : (Guid?)null;
            var member = Forms.Value(form, "member");
            var values = new FormValues(Forms.Value(form, "about") ?? "post", Forms.Value(form, "reason") ?? "", Forms.Value(form, "comment") ?? "");
            var result = await file.RunAsync(http.Viewer(), new FileReport.Input(post, post is null ? member : null, values.Reason, values.Comment,
                AboutAuthor: post is not null && values.About == "person"), http.RequestAborted);
            if (result.Ok)
            {
                var found = post is null ? null : await file.FindPostAsync(post.Value, http.Viewer(), http.RequestAborted);
                return Results.Redirect(found is null ? "/?notice=report-sent"
                    : found.IsThread ? $"/threads/{found.ThreadId}?notice=report-sent" : $"/threads/{found.ThreadId}?notice=report-sent#reply-{found.Id}");
            }

            return result.Failure == Failure.Invalid
                ? await FormPageAsync(http, pages, file, post, member, values, result.Errors, StatusCodes.Status400BadRequest)
                : await FailurePages.FailureAsync(http, pages, result);
        });

        pagesGroup.MapGet("", async (string? status, string? before, HttpContext http, Pages pages, ReportQueries reports, SafeHtml safe) =>
        {
            var resolved = status == ReportStore.Resolved;
            var page = await reports.ListAsync(http.Viewer(), resolved, before, ct: http.RequestAborted);
            return await pages.RenderAsync(http, "reports", resolved ? "Resolved reports" : "Open reports", new
            {
                Resolved = resolved,
                Items = page.Items.Select(r => Model(r, safe)).ToList(),
                Next = page.Next is null ? null : $"/reports?before={page.Next}{(resolved ? "&status=resolved" : "")}",
            });
        });

        pagesGroup.MapPost("/{id:guid}/resolve", async (Guid id, HttpContext http, Pages pages, ResolveReport resolve) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var result = await resolve.RunAsync(id, http.Viewer(), new ResolveReport.Input(Forms.Value(form, "note"), Forms.Checked(form, "forward")), http.RequestAborted);
            return result.Ok
                ? Results.Redirect("/reports?notice=report-resolved")
                : await FailurePages.FailureAsync(http, pages, result);
        });

        return app;
    }

    private sealed record FormValues(string About, string Reason, string Comment);

    private static async Task<IResult> FormPageAsync(HttpContext http, Pages pages, FileReport file, Guid? post, string? member, FormValues values,
        IReadOnlyDictionary<string, string> errors, int status = StatusCodes.Status200OK)
    {
        ReportablePost? found = null;
        if (post is { } postId)
        {
            found = await file.FindPostAsync(postId, http.Viewer(), http.RequestAborted);
            if (found is null)
            {
                return await FailurePages.NotFoundAsync(http, pages);
            }

            if (found.AuthorId == http.Viewer())
            {
                return await FailurePages.FailureAsync(http, pages, Outcome<bool>.Invalid("postId", "This is your own post. You can edit or delete it instead."));
            }
        }
        else if (string.IsNullOrWhiteSpace(member))
        {
            return await FailurePages.NotFoundAsync(http, pages);
        }

        var who = found?.AuthorName ?? member!.Trim();
        return await pages.RenderAsync(http, "report-new", found is null ? $"Report {who}" : found.IsThread ? "Report a thread" : "Report a reply", new
        {
            Post = found is null ? null : new
            {
                found.Id,
                found.IsThread,
                found.Title,
                found.GroupName,
                AuthorName = found.AuthorName ?? "a former member",
                CanReportAuthor = found.AuthorId is not null || found.RemoteAuthor is not null,
                BackUrl = found.IsThread ? $"/threads/{found.ThreadId}" : $"/threads/{found.ThreadId}#reply-{found.Id}",
            },
            Member = found is null ? who : null,
            Reasons = ReportRules.Reasons.Select(r => new { r.Key, r.Label }).ToList(),
            Values = values,
            Errors = errors.ToDictionary(e => e.Key, e => e.Value),
            MaxComment = ReportRules.MaxCommentLength,
        }, status);
    }

    private static object Model(ReportRow r, SafeHtml safe) => new
    {
        r.Id,
        r.IsOpen,
        r.AboutPost,
        r.IsThread,
        PostUrl = r.PostId is null ? null : r.IsThread ? $"/threads/{r.ThreadId}" : $"/threads/{r.ThreadId}#reply-{r.PostId}",
        r.PostTitle,
        PostHtml = r.PostContent is { Length: > 0 } content ? PostHtml.Render(safe, content, r.PostOrigin ?? "local") : null,
        PostDeleted = r.PostDeletedAt is not null,
        Hidden = r.PostHiddenAt is not null,
        r.GroupName,
        GroupUrl = r.GroupSlug is null ? null : $"/groups/{r.GroupSlug.ToLowerInvariant()}",
        r.SubjectName,
        SubjectRemote = r.SubjectActor is not null,
        ReasonText = ReportRules.Label(r.Reason),
        r.Comment,
        FromServer = r.Origin == "local" ? null : r.Origin,
        CanForward = r.SubjectActor is not null || (r.GroupOrigin is not null && r.GroupOrigin != "local"),
        CreatedAt = r.CreatedAt.UtcDateTime,
        ResolvedAt = r.ResolvedAt?.UtcDateTime,
        Note = r.ResolutionNote,
        Forwarded = r.ForwardedAt is not null,
    };
}
