using System.ComponentModel;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Theming;
using Kindred.Server.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kindred.Server.Features.Moderation;

/// <summary>One entry of a moderation log in the API.</summary>
public sealed record ModerationLogResponse(
    Guid Id,
    [property: Description("What was done, e.g. post.removed, member.banned, account.suspended.")] string Action,
    [property: Description("What it was done to: post, thread, member, account, report or group.")] string TargetKind,
    string? TargetId,
    [property: Description("A readable name for what it was done to, e.g. \"Reply by sam in “Sleep”\".")] string? Target,
    [property: Description("Why, as the moderator wrote it; null when there is none or it is not shown to members.")] string? Reason,
    [property: Description("When a ban or suspension ends; null: no end.")] DateTimeOffset? ExpiresAt,
    string? Details,
    [property: Description("Who did it; null for members, who see \"a moderator\". Moderators of the group and admins see names.")] string? Moderator,
    [property: Description("The group's slug; null for instance-wide entries.")] string? Group,
    DateTimeOffset CreatedAt)
{
    public static ModerationLogResponse From(ModerationLogItem i) =>
        new(i.Id, i.Action, i.TargetKind, i.TargetId, i.TargetLabel, i.Reason, i.ExpiresAt, i.Details, i.ModeratorName, i.GroupSlug, i.CreatedAt);
}

/// <summary>
/// Reading the moderation log: a group's log (page and API) for everyone who may read the group, with moderator names
/// only for its moderators and instance admins; and the instance-wide log for admins.
/// </summary>
public static class ModerationLogEndpoints
{
    private const int MaxLimit = 100;

    private static readonly Dictionary<string, string> ActionText = new(StringComparer.Ordinal)
    {
        [ModerationActions.PostRemoved] = "Removed a post",
        [ModerationActions.PostRestored] = "Restored a post",
        [ModerationActions.PostApproved] = "Approved a post",
        [ModerationActions.PostRejected] = "Rejected a post",
        [ModerationActions.ThreadLocked] = "Locked a thread",
        [ModerationActions.ThreadUnlocked] = "Unlocked a thread",
        [ModerationActions.MemberRemoved] = "Removed a member",
        [ModerationActions.MemberBanned] = "Banned a member",
        [ModerationActions.MemberUnbanned] = "Lifted a ban",
        [ModerationActions.MemberWarned] = "Warned a member",
        [ModerationActions.ModeratorAdded] = "Added a moderator",
        [ModerationActions.ModeratorRemoved] = "Removed a moderator",
        [ModerationActions.ModerationChanged] = "Changed how posts are moderated",
        [ModerationActions.ReportResolved] = "Resolved a report",
        [ModerationActions.AccountSuspended] = "Suspended an account",
        [ModerationActions.AccountUnsuspended] = "Lifted a suspension",
        [ModerationActions.Refused] = "Refused a moderation request from someone who is not a moderator",
    };

    public static IEndpointRouteBuilder MapModerationLog(this IEndpointRouteBuilder app)
    {
        app.MapGet("/groups/{slug}/modlog", async (string slug, string? before, HttpContext http, Pages pages, GroupQueries groups, Database db,
            ModerationLog log) =>
        {
            var access = await AccessAsync(slug, http.Viewer(), groups, db, http.RequestAborted);
            if (access is not var (group, names))
            {
                return await FailurePages.NotFoundAsync(http, pages);
            }

            var page = await ReadAsync(log, group.Id, names, before, Page<ModerationLogItem>.DefaultSize, http.RequestAborted);
            return await pages.RenderAsync(http, "modlog", $"Moderation log of {group.Name}", new
            {
                Group = new { group.Name, Url = $"/groups/{group.Slug.ToLowerInvariant()}" },
                Admin = false,
                Names = names,
                Entries = page.Items.Select(Model).ToList(),
                Next = WebViews.NextLink(http, page.Next, "before"),
            });
        }).ExcludeFromDescription();

        app.MapGet("/admin/modlog", async (string? before, HttpContext http, Pages pages, ModerationLog log) =>
        {
            var page = await log.ListForInstanceAsync(withModerators: true, before: before, ct: http.RequestAborted);
            return await pages.RenderAsync(http, "modlog", "Moderation log", new
            {
                Group = (object?)null,
                Admin = true,
                Names = true,
                Entries = page.Items.Select(Model).ToList(),
                Next = WebViews.NextLink(http, page.Next, "before"),
            });
        }).RequireAuthorization(Policies.Admin).ExcludeFromDescription();

        app.MapGet("/api/v1/groups/{slug}/modlog", async Task<Results<Ok<ListResponse<ModerationLogResponse>>, ProblemHttpResult>> (string slug, string? before,
            int? limit, HttpContext http, GroupQueries groups, Database db, ModerationLog log) =>
        {
            var access = await AccessAsync(slug, http.Viewer(), groups, db, http.RequestAborted);
            if (access is not var (group, names))
            {
                return ApiProblems.NotFound();
            }

            var page = await ReadAsync(log, group.Id, names, before, Limit(limit), http.RequestAborted);
            return TypedResults.Ok(new ListResponse<ModerationLogResponse>(page.Items.Select(ModerationLogResponse.From).ToList(), NextUrl(http, page.Next, limit)));
        }).WithTags("Moderation").RequireAuthorization(Policies.Api).WithName("GroupModerationLog")
            .WithSummary("A group's moderation log, newest first (whoever may read the group; moderator names only for its moderators and admins)");

        app.MapGet("/api/v1/admin/modlog", async (string? before, int? limit, HttpContext http, ModerationLog log) =>
        {
            var page = await log.ListForInstanceAsync(withModerators: true, before: before, size: Limit(limit), ct: http.RequestAborted);
            return TypedResults.Ok(new ListResponse<ModerationLogResponse>(page.Items.Select(ModerationLogResponse.From).ToList(), NextUrl(http, page.Next, limit)));
        }).WithTags("Admin").RequireAuthorization(Policies.ApiAdmin).WithName("InstanceModerationLog")
            .WithSummary("The instance-wide moderation log, every group and account action with who did it, newest first (admins)");

        return app;
    }

    private const string ViewerRole = "SELECT role FROM users WHERE id = @id";

    /// <summary>The group and whether the viewer sees moderator names; null when the viewer may not read the group (404).</summary>
    private static async Task<(GroupView Group, bool Names)?> AccessAsync(string slug, Guid viewer, GroupQueries groups, Database db, CancellationToken ct)
    {
        var group = await groups.FindAsync(slug, viewer, ct);
        if (group is not { CanRead: true })
        {
            return null;
        }

        if (group.CanModerate)
        {
            return (group, true);
        }

        if (viewer == Guid.Empty)
        {
            return (group, false);
        }

        await using var c = await db.OpenAsync(ct);
        return (group, await c.ExecuteScalarAsync<string?>(ViewerRole, new { id = viewer }) == Roles.Admin);
    }

    private static Task<Page<ModerationLogItem>> ReadAsync(ModerationLog log, Guid groupId, bool names, string? before, int size, CancellationToken ct) =>
        names ? log.ListForGroupAsync(groupId, withModerators: true, before, size, ct) : log.ListForMembersAsync(groupId, before, size, ct);

    private static int Limit(int? limit) => Math.Clamp(limit ?? Page<ModerationLogItem>.DefaultSize, 1, MaxLimit);

    private static string? NextUrl(HttpContext http, string? cursor, int? limit) =>
        cursor is null ? null : $"{http.Origin()}{http.Request.Path}?{(limit is null ? "" : $"limit={Limit(limit)}&")}before={Uri.EscapeDataString(cursor)}";

    private static object Model(ModerationLogItem i) => new
    {
        CreatedAt = i.CreatedAt.UtcDateTime,
        Moderator = i.ModeratorName,
        Action = ActionText.GetValueOrDefault(i.Action, i.Action),
        Target = i.TargetLabel,
        i.Reason,
        ExpiresAt = i.ExpiresAt?.UtcDateTime,
        GroupName = i.GroupName,
        GroupUrl = i.GroupSlug is null ? null : $"/groups/{i.GroupSlug.ToLowerInvariant()}",
    };
}
