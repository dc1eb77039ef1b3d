using Kindred.Server.Content;
using Kindred.Server.Features.Reactions;
using Kindred.Server.Features.Threads;
using Kindred.Server.Theming;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Groups;

/// <summary>View models for the group and thread pages (Scriban needs DateTime, and templates get only what they show).</summary>
public static class WebViews
{
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
        g.IsRemote,
        g.Origin,
        RemoteState = g.ViewerRemoteState,
        IsGone = g.GoneAt is not null,
        GoneAt = g.GoneAt?.UtcDateTime,
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

    /// <summary>What the thread page needs to offer "I hear you": the reactions and whether the viewer may react there.</summary>
    public sealed record ReactionContext(ThreadReactions Reactions, bool IsMember, bool Locked);

    /// <summary>The reaction part of a post's model. The number is only ever given to the post's own author.</summary>
    private static (bool CanReact, bool Reacted, string? HeardText) Reaction(ReactionContext? r, Guid postId, bool mine, bool deleted, Guid viewer)
    {
        if (r is null || viewer == Guid.Empty)
        {
            return (false, false, null);
        }

        var reacted = r.Reactions.Reacted(postId);
        var canReact = r.IsMember && !mine && !deleted && (!r.Locked || reacted);
        return (canReact, reacted, mine ? ReactionStore.HeardText(r.Reactions.People(postId)) : null);
    }

    public static object ThreadModel(ThreadView t, SafeHtml safe, Guid viewer, ReactionContext? reactions = null)
    {
        var mine = viewer != Guid.Empty && t.AuthorId == viewer;
        var (canReact, reacted, heard) = Reaction(reactions, t.Id, mine, t.IsDeleted || t.IsRemoved, viewer);
        var wordsShown = !t.IsRemoved || mine || t.CanModerate;
        return new
        {
        t.Id,
        Url = $"/threads/{t.Id}",
        t.Title,
        Html = t.IsDeleted || !wordsShown ? null : PostHtml.Render(safe, t.Content, t.Origin),
        Removed = t.IsRemoved,
        t.RemovalReason,
        t.ContentWarning,
        AuthorName = t.AuthorName ?? "a former member",
        AuthorLabel = MemberLabels.Describe(t.AuthorLabel),
        t.ReplyCount,
        t.GroupName,
        GroupUrl = $"/groups/{t.GroupSlug.ToLowerInvariant()}",
        IsFederated = t.GroupFederation == Group.Federated,
        t.InRemoteGroup,
        t.GroupOrigin,
        IsRemotePost = t.Origin != "local",
        PostOrigin = t.Origin,
        CreatedAt = t.CreatedAt.UtcDateTime,
        CreatedIso = t.CreatedAt.ToString("O"),
        EditedAt = t.EditedAt?.UtcDateTime,
        EditedIso = t.EditedAt?.ToString("O"),
        Pinned = t.PinnedAt is not null,
        Locked = t.IsLocked,
        Deleted = t.IsDeleted,
        Hidden = t.HiddenAt is not null,
        CanReport = viewer != Guid.Empty && !mine && !t.IsDeleted,
        Waiting = t.AnsweredAt is null,
        IsMine = mine,
        t.IsMember,
        t.CanModerate,
        CanReact = canReact,
        Reacted = reacted,
        HeardText = heard,
        };
    }

    public static object ReplyModel(ReplyView r, SafeHtml safe, Guid viewer, ReactionContext? reactions = null, bool canModerate = false)
    {
        var mine = viewer != Guid.Empty && r.AuthorId == viewer;
        var (canReact, reacted, heard) = Reaction(reactions, r.Id, mine, r.IsDeleted || r.IsRemoved, viewer);
        return new
        {
        r.Id,
        Anchor = $"reply-{r.Id}",
        Html = r.IsDeleted || r.Masked ? null : PostHtml.Render(safe, r.Content, r.Origin),
        Removed = r.IsRemoved,
        r.RemovalReason,
        CanModerate = canModerate && !r.IsDeleted,
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
        Hidden = r.HiddenAt is not null,
        CanReport = viewer != Guid.Empty && !mine && !r.IsDeleted,
        IsMine = mine,
        CanReact = canReact,
        Reacted = reacted,
        HeardText = heard,
        };
    }

    /// <summary>Next-page link for a page of the current path, keeping other query values out (cursors are all a page needs).</summary>
    public static string? NextLink(HttpContext http, string? cursor, string name, string? extra = null) =>
        cursor is null ? null : $"{http.Request.Path}?{extra}{name}={Uri.EscapeDataString(cursor)}";
}
