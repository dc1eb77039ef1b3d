using Kindred.Server.Features.Groups;
using Kindred.Server.Configuration;
using Kindred.Server.Theming;
using Microsoft.AspNetCore.Http.HttpResults;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Notifications;

public sealed record NotificationResponse(Guid Id, string Kind, DateTimeOffset CreatedAt, bool Read, string? Group, Guid? ThreadId, Guid? ReplyId,
    string? ThreadTitle, string? Actor, string? Url, string? Message = null);

/// <summary>The notifications page and its API twin: replies to your threads and posts, join decisions, invitations.</summary>
public static class NotificationPages
{
    public static IEndpointRouteBuilder MapNotificationPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/notifications", async (string? before, HttpContext http, Pages pages, Notifications notifications) =>
        {
            var page = await notifications.ListAsync(http.Viewer(), before, ct: http.RequestAborted);
            return await pages.RenderAsync(http, "notifications", "Notifications", new
            {
                Items = page.Items.Select(n => new
                {
                    n.Kind,
                    Unread = n.ReadAt is null,
                    CreatedAt = n.CreatedAt.UtcDateTime,
                    CreatedIso = n.CreatedAt.ToString("O"),
                    n.ThreadTitle,
                    n.GroupName,
                    OnReply = n.ReplyId is not null,
                    ActorName = n.ActorName ?? "A former member",
                    Url = UrlOf(n),
                    n.Body,
                }).ToList(),
                Next = WebViews.NextLink(http, page.Next, "before"),
                AnyUnread = page.Items.Any(n => n.ReadAt is null),
            });
        }).RequireAuthorization().ExcludeFromDescription();

        app.MapPost("/notifications/read", async (HttpContext http, Notifications notifications) =>
        {
            if (await Forms.ReadAsync(http) is null)
            {
                return await Forms.ExpiredAsync(http);
            }

            await notifications.MarkAllReadAsync(http.Viewer(), http.RequestAborted);
            return Results.Redirect("/notifications?notice=notifications-read");
        }).RequireAuthorization().ExcludeFromDescription();

        app.MapGet("/api/v1/notifications", async Task<Ok<ListResponse<NotificationResponse>>> (string? before, HttpContext http, Notifications notifications) =>
        {
            var page = await notifications.ListAsync(http.Viewer(), before, ct: http.RequestAborted);
            return TypedResults.Ok(new ListResponse<NotificationResponse>(page.Items.Select(n => new NotificationResponse(n.Id, n.Kind, n.CreatedAt, n.ReadAt is not null,
                n.GroupSlug, n.ThreadId, n.ReplyId, n.ThreadTitle, n.ActorName, UrlOf(n) is { } u ? http.Origin() + u : null, n.Body)).ToList(), http.NextUrl(page.Next, "before")));
        }).RequireAuthorization(Policies.Api).WithTags("Notifications").WithName("ListNotifications")
            .WithSummary("Replies to your threads and posts, \"I hear you\" reactions to them, join decisions and invitations, newest first");

        return app;
    }

    private static string? UrlOf(NotificationView n) => n.Kind switch
    {
        NotificationKinds.Reply when n.ThreadId is not null => $"/threads/{n.ThreadId}#reply-{n.ReplyId}",
        NotificationKinds.Reaction or NotificationKinds.PostRemoved or NotificationKinds.PostRestored when n.ThreadId is not null =>
            n.ReplyId is null ? $"/threads/{n.ThreadId}" : $"/threads/{n.ThreadId}#reply-{n.ReplyId}",
        NotificationKinds.Report or NotificationKinds.ReportHidden => "/reports",
        NotificationKinds.ExportReady => "/account/export",
        _ when n.GroupSlug is not null => $"/groups/{n.GroupSlug.ToLowerInvariant()}",
        _ => null,
    };
}
