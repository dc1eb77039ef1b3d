using Kindred.Server.Content;
using Kindred.Server.Features.Threads;
using Kindred.Server.Theming;

namespace Kindred.Server.Features.Groups;

/// <summary>View models for the group and thread pages (Scriban needs DateTime, and templates get only what they show).</summary>
public static class WebViews
{
    public static Task<IResult> FailureAsync<T>(HttpContext http, Pages pages, Outcome<T> o)
    {
        var (status, heading) = o.Failure switch
        {
            Failure.Forbidden => (StatusCodes.Status403Forbidden, "You cannot do this here"),
            Failure.Conflict => (StatusCodes.Status409Conflict, "That did not work"),
            Failure.Invalid => (StatusCodes.Status400BadRequest, "Please check what you sent"),
            _ => (StatusCodes.Status404NotFound, "Page not found"),
        };
        return pages.RenderAsync(http, "error", heading, new { Heading = heading, Message = o.Message ?? "Nothing was changed." }, status);
    }

    public static Task<IResult> NotFoundAsync(HttpContext http, Pages pages) => FailureAsync(http, pages, Outcome<bool>.NotFound());

    public static object GroupModel(GroupView g, SafeHtml safe) => new
    {
        g.Slug,
        Url = $"/groups/{g.Slug.ToLowerInvariant()}",
        g.Name,
        g.Description,
        RulesHtml = string.IsNullOrWhiteSpace(g.Rules) ? null : safe.FromMarkdown(g.Rules),
        g.Rules,
        g.Visibility,
        IsPublic = g.Visibility == Group.Public,
        g.JoinPolicy,
        g.JoinQuestion,
        g.Federation,
        IsFederated = g.Federation == Group.Federated,
        g.MemberCount,
        g.ViewerRole,
        ViewerLabel = MemberLabels.Describe(g.ViewerLabel),
        g.ViewerRequest,
        g.IsMember,
        g.CanModerate,
        g.IsOwner,
        g.IsInvited,
        g.CanRead,
    };

    public static object SummaryModel(ThreadSummary t) => new
    {
        t.Id,
        Url = $"/threads/{t.Id}",
        t.Title,
        t.ContentWarning,
        AuthorName = t.AuthorName ?? "a former member",
        t.ReplyCount,
        t.GroupName,
        GroupUrl = $"/groups/{t.GroupSlug.ToLowerInvariant()}",
        CreatedAt = t.CreatedAt.UtcDateTime,
        CreatedIso = t.CreatedAt.ToString("O"),
        Pinned = t.PinnedAt is not null,
        Locked = t.LockedAt is not null,
        Waiting = t.AnsweredAt is null,
    };

    public static object ThreadModel(ThreadView t, SafeHtml safe, Guid viewer) => new
    {
        t.Id,
        Url = $"/threads/{t.Id}",
        t.Title,
        Html = t.IsDeleted ? null : Threads.PostHtml.Render(safe, t.Content, t.Origin),
        t.ContentWarning,
        AuthorName = t.AuthorName ?? "a former member",
        AuthorLabel = MemberLabels.Describe(t.AuthorLabel),
        t.ReplyCount,
        t.GroupName,
        GroupUrl = $"/groups/{t.GroupSlug.ToLowerInvariant()}",
        IsFederated = t.GroupFederation == Group.Federated,
        CreatedAt = t.CreatedAt.UtcDateTime,
        CreatedIso = t.CreatedAt.ToString("O"),
        EditedAt = t.EditedAt?.UtcDateTime,
        EditedIso = t.EditedAt?.ToString("O"),
        Pinned = t.PinnedAt is not null,
        Locked = t.IsLocked,
        Deleted = t.IsDeleted,
        Waiting = t.AnsweredAt is null,
        IsMine = viewer != Guid.Empty && t.AuthorId == viewer,
        t.IsMember,
        t.CanModerate,
    };

    public static object ReplyModel(ReplyView r, SafeHtml safe, Guid viewer) => new
    {
        r.Id,
        Anchor = $"reply-{r.Id}",
        Html = r.IsDeleted ? null : Threads.PostHtml.Render(safe, r.Content, r.Origin),
        r.ContentWarning,
        AuthorName = r.AuthorName ?? "a former member",
        AuthorLabel = MemberLabels.Describe(r.AuthorLabel),
        r.InReplyTo,
        ParentAnchor = r.InReplyTo is null ? null : $"reply-{r.InReplyTo}",
        ParentAuthorName = r.InReplyTo is null ? null : r.ParentAuthorName ?? "a former member",
        // Indentation stops at 5 levels so deep conversations stay readable on a phone.
        Depth = Math.Min(r.Depth, 5),
        CreatedAt = r.CreatedAt.UtcDateTime,
        CreatedIso = r.CreatedAt.ToString("O"),
        EditedAt = r.EditedAt?.UtcDateTime,
        EditedIso = r.EditedAt?.ToString("O"),
        Deleted = r.IsDeleted,
        IsMine = viewer != Guid.Empty && r.AuthorId == viewer,
    };

    /// <summary>Next-page link for a page of the current path, keeping other query values out (cursors are all a page needs).</summary>
    public static string? NextLink(HttpContext http, string? cursor, string name, string? extra = null) =>
        cursor is null ? null : $"{http.Request.Path}?{extra}{name}={Uri.EscapeDataString(cursor)}";
}
