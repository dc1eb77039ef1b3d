using System.ComponentModel;
using System.Text.Json.Serialization;
using Kindred.Server.Content;
using Kindred.Server.Features.Reactions;
using Kindred.Server.Features.Threads;
using Microsoft.AspNetCore.Http.HttpResults;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Groups;


public sealed record GroupRequest(
    [property: Description("Web address of the group, 3-30 letters, digits or underscores; shares one namespace with usernames. Only when creating.")] string? Slug,
    string? Name,
    string? Description,
    [property: Description("Markdown.")] string? Rules,
    [property: Description("public or members.")] string? Visibility,
    [property: Description("open, approval or invite.")] string? JoinPolicy,
    [property: Description("Question people answer when asking to join (approval groups).")] string? JoinQuestion,
    [property: Description("federated or local; when creating, defaults to the instance's Kindred:Groups:DefaultFederation.")] string? Federation)
{
    public GroupRules.Fields ToFields() => new(Slug, Name, Description, Rules, Visibility, JoinPolicy, JoinQuestion, Federation);
}

public sealed record GroupResponse(
    string Slug, string Name, string Url, string Description, string Rules, string RulesHtml, string Visibility, string JoinPolicy,
    string? JoinQuestion, string Federation, long MemberCount, DateTimeOffset CreatedAt,
    [property: Description("Your role: owner, moderator, member, or null.")] string? MyRole,
    [property: Description("Your label in the group: peer_supporter, staff, or null.")] string? MyLabel,
    [property: Description("request while your join request waits, invite when you are invited, else null.")] string? MyRequest,
    [property: Description("local, or the host of a group whose home is another server (its slug is then name@host).")] string Origin,
    [property: Description("Groups on other servers: pending, joined or rejected (the group's answer to your request), else null.")] string? MyRemoteState)
{
    public static GroupResponse From(GroupView g, SafeHtml safe, string origin) => new(g.Slug, g.Name, $"{origin}/groups/{g.Slug.ToLowerInvariant()}",
        g.Description, g.Rules, safe.FromMarkdown(g.Rules).Value, g.Visibility, g.JoinPolicy, g.JoinQuestion, g.Federation, g.MemberCount,
        g.CreatedAt, g.ViewerRole, g.ViewerLabel, g.ViewerRequest, g.Origin, g.ViewerRemoteState);
}

public sealed record JoinBody([property: Description("Answer to the group's question (approval groups).")] string? Answer);

public sealed record MembershipResponse([property: Description("joined, pending, or rejected (groups on other servers).")] string Status);

public sealed record MemberResponse(
    [property: Description("The username here, or name@host for a member on another server.")] string Username, string Role, string? Label,
    DateTimeOffset JoinedAt, [property: Description("True for a member on another server.")] bool Remote = false)
{
    public static MemberResponse From(MemberView m) => new(m.Username, m.Role, m.Label, m.JoinedAt, m.IsRemote);
}

public sealed record MemberUpdate(
    [property: Description("owner, moderator or member; null keeps it.")] string? Role,
    [property: Description("peer_supporter, staff, or \"none\" to remove; null keeps it.")] string? Label);

public sealed record InviteBody(string? Username);

public sealed record JoinRequestResponse(Guid Id, string Username, string? Answer, DateTimeOffset CreatedAt,
    [property: Description("For someone on another server: their profile (Username is then name@host).")] string? ProfileUrl)
{
    public static JoinRequestResponse From(JoinRequestView r) => new(r.Id, r.Username, r.Answer, r.CreatedAt, r.ProfileUrl);
}

public sealed record ThreadResponse(
    Guid Id, string Url, string Group, string Title, string Content, string ContentHtml, string? ContentWarning, string? Author,
    string? AuthorLabel, long ReplyCount, [property: Description("True while nobody but the author has replied.")] bool Waiting,
    bool Pinned, bool Locked, bool Deleted, DateTimeOffset CreatedAt, DateTimeOffset? EditedAt,
    [property: Description("True when you have said \"I hear you\" to it.")] bool Reacted,
    [property: Description("How many people said \"I hear you\": only for the post's author; left out for everyone else.")]
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ReactionCount,
    [property: Description("Removed by the group's moderators: members get no title or content, only its author and the moderators do.")] bool Removed = false,
    [property: Description("Why it was removed: for its author and the moderators, and for members when the moderators chose to show it.")]
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RemovalReason = null)
{
    public static ThreadResponse From(ThreadView t, SafeHtml safe, string origin, ThreadReactions reactions, Guid viewer) => new(t.Id, $"{origin}/threads/{t.Id}", t.GroupSlug,
        t.Title, t.Content, t.IsDeleted || t.Content.Length == 0 ? "" : PostHtml.Render(safe, t.Content, t.Origin).Value, t.ContentWarning, t.AuthorName, t.AuthorLabel, t.ReplyCount,
        t.AnsweredAt is null && !t.IsDeleted, t.PinnedAt is not null, t.LockedAt is not null, t.IsDeleted, t.CreatedAt, t.EditedAt,
        reactions.Reacted(t.Id), reactions.CountFor(t.Id, t.AuthorId, viewer), t.IsRemoved, t.RemovalReason);
}

public sealed record ThreadSummaryResponse(
    Guid Id, string Url, string Group, string Title, string? ContentWarning, string? Author, long ReplyCount, bool Waiting,
    bool Pinned, bool Locked, DateTimeOffset CreatedAt,
    [property: Description("True when you have said \"I hear you\" to it.")] bool Reacted,
    [property: Description("How many people said \"I hear you\": only for the post's author; left out for everyone else.")]
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ReactionCount)
{
    public static ThreadSummaryResponse From(ThreadSummary t, string origin, ThreadReactions reactions, Guid viewer) => new(t.Id, $"{origin}/threads/{t.Id}", t.GroupSlug, t.Title,
        t.ContentWarning, t.AuthorName, t.ReplyCount, t.AnsweredAt is null, t.PinnedAt is not null, t.LockedAt is not null, t.CreatedAt,
        reactions.Reacted(t.Id), reactions.CountFor(t.Id, t.AuthorId, viewer));
}

public sealed record ReplyResponse(
    Guid Id, Guid ThreadId, string Url, [property: Description("The reply this one answers; null when it answers the thread.")] Guid? InReplyTo,
    int Depth, string Content, string ContentHtml, string? ContentWarning, string? Author, string? AuthorLabel, bool Deleted,
    DateTimeOffset CreatedAt, DateTimeOffset? EditedAt,
    [property: Description("True when you have said \"I hear you\" to it.")] bool Reacted,
    [property: Description("How many people said \"I hear you\": only for the post's author; left out for everyone else.")]
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ReactionCount,
    [property: Description("Removed by the group's moderators: members get no content, only its author and the moderators do.")] bool Removed = false,
    [property: Description("Why it was removed: for its author and the moderators, and for members when the moderators chose to show it.")]
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RemovalReason = null)
{
    public static ReplyResponse From(ReplyView r, SafeHtml safe, string origin, ThreadReactions reactions, Guid viewer) => new(r.Id, r.ThreadId, $"{origin}/threads/{r.ThreadId}#reply-{r.Id}",
        r.InReplyTo, r.Depth, r.Content, r.IsDeleted || r.Masked ? "" : PostHtml.Render(safe, r.Content, r.Origin).Value, r.ContentWarning, r.AuthorName, r.AuthorLabel,
        r.IsDeleted, r.CreatedAt, r.EditedAt, reactions.Reacted(r.Id), reactions.CountFor(r.Id, r.AuthorId, viewer), r.IsRemoved, r.RemovalReason);
}

public sealed record ThreadDetailResponse(ThreadResponse Thread, ListResponse<ReplyResponse> Replies);

public sealed record NewThreadRequest(string? Title, [property: Description("Markdown, up to 20,000 characters.")] string? Content, string? ContentWarning);

public sealed record NewReplyRequest([property: Description("Markdown, up to 20,000 characters.")] string? Content, Guid? InReplyTo, string? ContentWarning);

public sealed record EditPostRequest(
    [property: Description("Threads only.")] string? Title, string? Content,
    [property: Description("\"\" removes the content warning; null keeps it.")] string? ContentWarning);

public sealed record ModerateThreadRequest(bool? Pinned, bool? Locked);

public sealed record PostResponse(Guid Id, Guid ThreadId, string Url, [property: Description("thread or reply.")] string Kind);
