using System.ComponentModel;
using Kindred.Server.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kindred.Server.Features.Reports;

public sealed record NewReportRequest(
    [property: Description("The thread or reply reported (to the group's moderators). Give this or member.")] Guid? PostId,
    [property: Description("The person reported (to the instance's admins): \"name\" here, or \"name@host\" elsewhere. Give this or postId.")] string? Member,
    [property: Description("One of: unkind, unsafe, at-risk, spam, other.")] string? Reason,
    [property: Description("What the moderators should know, in your words (up to 2,000 characters). Never shown to the person reported.")] string? Comment);

public sealed record ReportReceipt(Guid Id, [property: Description("\"open\": the moderators have it.")] string Status);

public sealed record ResolveReportRequest(
    [property: Description("What was decided, for the other moderators (up to 2,000 characters).")] string? Note,
    [property: Description("Send the report to the reported person's server (or the group's, for a group hosted elsewhere) as a Flag from this instance; never names the reporter.")] bool Forward);

/// <summary>A report as its reviewers see it. The reporter is never named.</summary>
public sealed record ReportResponse(Guid Id, string Status, [property: Description("\"post\" or \"member\".")] string About, Guid? PostId, string? PostUrl,
    string? Group, [property: Description("The person reported: name, or name@host.")] string Subject, string Reason, string Comment,
    [property: Description("\"local\", or the server whose Flag brought the report.")] string From,
    [property: Description("True while the safety net hides the post.")] bool Hidden, DateTimeOffset CreatedAt, DateTimeOffset? ResolvedAt, string? Note, bool Forwarded)
{
    public static ReportResponse Of(ReportRow r, string origin)
    {
        ArgumentNullException.ThrowIfNull(r);
        var url = r.PostId is null ? null : r.IsThread ? $"{origin}/threads/{r.ThreadId}" : $"{origin}/threads/{r.ThreadId}#reply-{r.PostId}";
        return new(r.Id, r.Status, r.AboutPost ? "post" : "member", r.PostId, url, r.GroupSlug, r.SubjectName, r.Reason, r.Comment, r.Origin,
            r.PostHiddenAt is not null, r.CreatedAt, r.ResolvedAt, r.ResolutionNote, r.ForwardedAt is not null);
    }
}

/// <summary>Reports in the JSON API: anyone signed in files one; moderators and admins read and resolve what is theirs.</summary>
public static class ReportApi
{
    public static IEndpointRouteBuilder MapReportApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/reports").WithTags("Reports").DisableAntiforgery().RequireAuthorization(Policies.Api);

        api.MapPost("", async Task<Results<Created<ReportReceipt>, ValidationProblem, ProblemHttpResult>> (NewReportRequest body, HttpContext http, FileReport file) =>
        {
            var result = await file.RunAsync(http.Viewer(), new FileReport.Input(body.PostId, body.Member, body.Reason, body.Comment), http.RequestAborted);
            if (result.Failure == Failure.Invalid)
            {
                return ApiProblems.Validation(result);
            }

            return result.Ok ? TypedResults.Created((string?)null, new ReportReceipt(result.Value, ReportStore.Open)) : ApiProblems.Problem(result);
        }).WithName("FileReport").WithSummary("Report a post (to the group's moderators) or a person (to the admins); 400 for your own post. Reporting the same post again counts once.");

        api.MapGet("", async Task<Results<Ok<ListResponse<ReportResponse>>, ValidationProblem>> (string? status, string? before, HttpContext http, ReportQueries reports) =>
        {
            if (status is not (null or ReportStore.Open or ReportStore.Resolved))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["Use open or resolved."] });
            }

            var page = await reports.ListAsync(http.Viewer(), status == ReportStore.Resolved, before, ct: http.RequestAborted);
            return TypedResults.Ok(new ListResponse<ReportResponse>(page.Items.Select(r => ReportResponse.Of(r, http.Origin())).ToList(), Next(http, page.Next, status)));
        }).WithName("ListReports").WithSummary("Reports you may review (a group's moderators: their groups'; admins: all), newest first; never reports about you");

        api.MapPost("/{id:guid}/resolve", async Task<Results<Ok<ReportResponse>, ValidationProblem, ProblemHttpResult>> (Guid id, ResolveReportRequest body,
            HttpContext http, ResolveReport resolve) =>
        {
            var result = await resolve.RunAsync(id, http.Viewer(), new ResolveReport.Input(body.Note, body.Forward), http.RequestAborted);
            if (result.Failure == Failure.Invalid)
            {
                return ApiProblems.Validation(result);
            }

            return result.Ok ? TypedResults.Ok(ReportResponse.Of(result.Value!, http.Origin())) : ApiProblems.Problem(result);
        }).WithName("ResolveReport").WithSummary("Close a report (and every open report on the same post) with a note; a hidden post is shown again; forward: true sends a Flag");

        return app;
    }

    private static string? Next(HttpContext http, string? cursor, string? status) =>
        http.NextUrl(cursor, "before") is { } next && status == ReportStore.Resolved ? next + "&status=resolved" : http.NextUrl(cursor, "before");
}
