using Kindred.Server.Features.Groups;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>Limits and validation for threads and replies, shared by the web forms and the API.</summary>
public static class PostRules
{
    public const int MaxTitleLength = 200;
    public const int MaxContentLength = 20_000;
    public const int MaxContentWarningLength = 200;

    public static Dictionary<string, string> Validate(string? title, string? content, string? contentWarning, bool hasTitle)
    {
        var errors = new Dictionary<string, string>();
        if (hasTitle)
        {
            if (string.IsNullOrWhiteSpace(title))
            {
                errors["title"] = "Give your thread a title.";
            }
            else if (title.Trim().Length > MaxTitleLength)
            {
                errors["title"] = $"Keep the title to {MaxTitleLength} characters or fewer (it has {title.Trim().Length}).";
            }
        }

        if (string.IsNullOrWhiteSpace(content))
        {
            errors["content"] = "Write something before you post.";
        }
        else if (content.Length > MaxContentLength)
        {
            errors["content"] = $"Posts can be up to {MaxContentLength:N0} characters (this one has {content.Length:N0}). You could split it into two.";
        }
        else if (Content.MarkdownImages.Explain(content) is { } images)
        {
            errors["content"] = images;
        }

        if ((contentWarning ?? "").Trim().Length > MaxContentWarningLength)
        {
            errors["contentWarning"] = $"Keep the content warning to {MaxContentWarningLength} characters or fewer.";
        }

        return errors;
    }
}

/// <summary>A thread with the group it lives in and the viewer's role there, read in one query.</summary>
public sealed record ThreadView
{
    public Guid Id { get; init; }
    public Guid GroupId { get; init; }
    public string GroupSlug { get; init; } = "";
    public string GroupName { get; init; } = "";
    public string GroupVisibility { get; init; } = Group.Public;
    public string GroupFederation { get; init; } = Group.LocalOnly;
    public string GroupOrigin { get; init; } = "local";
    public string? ViewerRole { get; init; }

    /// <summary>'local', or the host a remote post came from (its content is then sanitised HTML, not Markdown).</summary>
    public string Origin { get; init; } = "local";
    public Guid? AuthorId { get; init; }
    public string? AuthorName { get; init; }
    public string? AuthorLabel { get; init; }
    public string Title { get; init; } = "";
    public string Content { get; init; } = "";
    public string? ContentWarning { get; init; }
    public long ReplyCount { get; init; }
    public DateTimeOffset? AnsweredAt { get; init; }
    public DateTimeOffset? PinnedAt { get; init; }
    public DateTimeOffset? LockedAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? EditedAt { get; init; }
    public DateTimeOffset? DeletedAt { get; init; }
    public DateTimeOffset? RemovedAt { get; init; }
    public string? RemovalReason { get; init; }
    public bool RemovalPublic { get; init; }

    /// <summary>Set while the reports safety net hides the thread (its words are then left out).</summary>
    public DateTimeOffset? HiddenAt { get; init; }

    /// <summary>Threads of remote groups are shown only to the group's members here (see <see cref="GroupView.CanRead"/>).</summary>
    public bool CanRead => GroupOrigin == "local" ? GroupVisibility == Group.Public || ViewerRole is not null : ViewerRole is not null;
    public bool IsMember => ViewerRole is not null;
    public bool InRemoteGroup => GroupOrigin != "local";
    public bool CanModerate => GroupRoles.CanModerate(ViewerRole);
    public bool IsDeleted => DeletedAt is not null;
    public bool IsLocked => LockedAt is not null;
    public bool IsRemoved => RemovedAt is not null;

    /// <summary>A removed thread as members see it: no title or words, the reason only if the moderator showed it. Its
    /// author and the group's moderators see it whole (with the reason).</summary>
    public ThreadView ForViewer(Guid viewer) => !IsRemoved || (AuthorId is { } a && a == viewer) || CanModerate
        ? this
        : this with { Title = "", Content = "", ContentWarning = null, RemovalReason = RemovalPublic ? RemovalReason : null };
}

/// <summary>A line in a list of threads (a group's threads, "waiting for a reply").</summary>
public sealed record ThreadSummary
{
    public Guid Id { get; init; }
    public string GroupSlug { get; init; } = "";
    public string GroupName { get; init; } = "";
    public string Title { get; init; } = "";
    public string? ContentWarning { get; init; }
    public Guid? AuthorId { get; init; }
    public string? AuthorName { get; init; }
    public long ReplyCount { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? PinnedAt { get; init; }
    public DateTimeOffset? LockedAt { get; init; }
    public DateTimeOffset? AnsweredAt { get; init; }
}

public sealed record ReplyView
{
    public Guid Id { get; init; }
    public Guid ThreadId { get; init; }
    public Guid? InReplyTo { get; init; }
    public Guid RootId { get; init; }
    public int Depth { get; init; }
    public Guid? AuthorId { get; init; }
    public string Origin { get; init; } = "local";
    public string? AuthorName { get; init; }
    public string? AuthorLabel { get; init; }
    public string? ParentAuthorName { get; init; }
    public string Content { get; init; } = "";
    public string? ContentWarning { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? EditedAt { get; init; }
    public DateTimeOffset? DeletedAt { get; init; }
    public DateTimeOffset? RemovedAt { get; init; }
    public string? RemovalReason { get; init; }
    public bool RemovalPublic { get; init; }

    /// <summary>Set while the reports safety net hides the reply (its words are then left out).</summary>
    public DateTimeOffset? HiddenAt { get; init; }

    public bool IsDeleted => DeletedAt is not null;
    public bool IsRemoved => RemovedAt is not null;

    /// <summary>True when this viewer sees a removed reply's words (its author, the group's moderators).</summary>
    public bool Masked { get; init; }

    /// <summary>A removed reply as members see it ("Removed by moderators", the reason only if shown to members).</summary>
    public ReplyView ForViewer(Guid viewer, bool moderator) => !IsRemoved || (AuthorId is { } a && a == viewer && viewer != Guid.Empty) || moderator
        ? this
        : this with { Content = "", ContentWarning = null, RemovalReason = RemovalPublic ? RemovalReason : null, Masked = true };
}

/// <summary>A post's body as HTML: our members write Markdown; posts from other servers arrive as HTML and are sanitised.</summary>
public static class PostHtml
{
    public static Theming.RawHtml Render(Content.SafeHtml safe, string content, string origin)
    {
        ArgumentNullException.ThrowIfNull(safe);
        return origin == "local" ? safe.FromMarkdown(content) : safe.Sanitize(content);
    }
}

/// <summary>Where a created or changed post lives.</summary>
public sealed record PostRef(Guid Id, Guid ThreadId, bool IsThread)
{
    public string Url => IsThread ? $"/threads/{ThreadId}" : $"/threads/{ThreadId}#reply-{Id}";
}
