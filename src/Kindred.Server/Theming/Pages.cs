using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Kindred.Server.Web;

namespace Kindred.Server.Theming;

/// <summary>
/// Renders a themed page with what every layout needs: the instance's name, the signed-in person, the
/// antiforgery token for forms, whether search engines may index, and the page's own model.
/// </summary>
public sealed class Pages(ThemeEngine theme, SiteInfoSource site, IAntiforgery antiforgery, ConnectionCheck connection)
{
    /// <summary>Short messages shown after a redirect (<c>?notice=key</c>); a fixed list, so nobody can inject text through the URL.</summary>
    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["registered"] = "Welcome! Your account is ready and you are signed in.",
        ["pending"] = "Thank you. Your registration is waiting for an admin to approve it; you can sign in once it is approved.",
        ["signed-out"] = "You are signed out. Take care.",
        ["password-changed"] = "Your password is changed. Other devices have been signed out.",
        ["password-reset"] = "Your new password is saved, and every other device and app is signed out. Sign in with it now.",
        ["email-changed"] = "Your e-mail address is changed.",
        ["email-confirm-sent"] = "Nearly done: we have sent a link to your new address. Your account keeps using the old one until you follow it (within a day).",
        ["settings-saved"] = "Settings saved.",
        ["approved"] = "Registration approved.",
        ["declined"] = "Registration declined; the request has been deleted.",
        ["invite-created"] = "Invite created.",
        ["invite-revoked"] = "Invite revoked.",
        ["group-created"] = "Your group is open. You are its owner.",
        ["group-saved"] = "Group settings saved.",
        ["joined"] = "Welcome! You are now a member of this group.",
        ["join-requested"] = "Thank you. Your request is waiting for a moderator; you will find their answer under Notifications.",
        ["remote-join-requested"] = "Your request was sent to the group's server. You will be a member as soon as the group accepts it.",
        ["left"] = "You have left the group.",
        ["backfill-requested"] = "Asked the group's server for its recent threads. They appear here within a few minutes if it answers.",
        ["backfill-recent"] = "Recent threads were asked for a few minutes ago. Give the group's server a little time, then reload this page.",
        ["thread-started"] = "Your thread is posted. Members will see it in \"Waiting for a reply\" until someone answers.",
        ["reply-posted"] = "Your reply is posted.",
        ["reaction-sent"] = "You said \"I hear you\". The author will know.",
        ["reaction-taken-back"] = "Taken back.",
        ["signed-in-again"] = "You are signed in again. Your words are below: check them and post when you are ready.",
        ["form-expired"] = "This form had expired, so it was not sent. Your words are below: check them and send them again.",
        ["helplines-saved"] = "Helplines saved. The urgent help page shows them now.",
        ["federation-mode-saved"] = "Federation mode saved. It applies at once.",
        ["domain-block-saved"] = "Domain block saved. It applies at once.",
        ["domain-block-removed"] = "Domain block lifted.",
        ["domain-allow-saved"] = "Server added to the allowlist.",
        ["domain-allow-removed"] = "Server removed from the allowlist.",
        ["time-zone-saved"] = "Time zone saved. Times are now shown in it.",
        ["post-edited"] = "Your changes are saved.",
        ["post-deleted"] = "Deleted. Your words are erased from this server.",
        ["post-removed"] = "Removed. Members now see \"Removed by moderators\"; its author is told, with your reason.",
        ["post-restored"] = "Restored. Members can read it again; its author is told.",
        ["member-banned"] = "Banned. They have left the group and cannot join again until you lift the ban.",
        ["member-removed"] = "Removed from the group. They may ask to join again.",
        ["ban-lifted"] = "Ban lifted. They may join again.",
        ["thread-updated"] = "Thread updated.",
        ["role-saved"] = "Role and label saved.",
        ["request-approved"] = "Request approved; they are now a member.",
        ["request-declined"] = "Request declined.",
        ["invited"] = "Invitation sent.",
        ["notifications-read"] = "All notifications marked as read.",
        ["delivery-retry"] = "Deliveries to that instance are being retried now.",
        ["delivery-resume"] = "Deliveries to that instance are resumed.",
        ["report-sent"] = "Thank you. Your report is with the moderators; they will not tell anyone who sent it.",
        ["report-resolved"] = "Report resolved.",
        ["erasure-cancelled"] = "Welcome back. Your account will not be deleted; everything is as it was.",
        ["account-erased"] = "Erasure started.",
        ["export-requested"] = "Your export is being prepared. You will get a notification when it is ready to download.",
    };

    private const string UrgentHelpPage = "urgent-help";

    /// <summary>Where the signed-in person's own time zone is kept for the request (set where the session is checked).</summary>
    public const string ViewerTimeZoneItem = "kindred:time-zone";

    /// <summary>The claim a session carries on a member's first visit after registering ("Welcome" rather than "Welcome back").</summary>
    public const string FirstVisitClaim = "kindred:first-visit";

    public async Task<IResult> RenderAsync(HttpContext http, string page, string title, object? model = null, int status = StatusCodes.Status200OK)
    {
        // A request not known to have arrived over https, on an https instance, cannot carry forms (the antiforgery
        // cookie is Secure-only): explain instead of failing. The urgent-help page is always served.
        AntiforgeryTokenSet? tokens = null;
        if (connection.IsInsecure(http))
        {
            if (page != UrgentHelpPage)
            {
                (page, title, status) = ("insecure-connection", "This connection is not secure", StatusCodes.Status400BadRequest);
                model = null;
            }
        }
        else
        {
            tokens = antiforgery.GetAndStoreTokens(http);
        }

        var instance = await site.GetAsync(http.RequestAborted);
        return await RenderAsync(http, page, title, model, status, instance, tokens?.FormFieldName ?? "", tokens?.RequestToken ?? "");
    }

    /// <summary>
    /// Renders a page that must answer when little else does (error pages, the urgent help page): with the configured
    /// defaults when the database cannot be read, and without antiforgery tokens (these pages have no forms).
    /// </summary>
    public async Task<IResult> RenderResilientAsync(HttpContext http, string page, string title, object? model = null, int status = StatusCodes.Status200OK)
    {
        var instance = await site.GetOrDefaultsAsync(http.RequestAborted);
        return await RenderAsync(http, page, title, model, status, instance, null, null);
    }

    /// <summary>The notice a <c>?notice=</c> key stands for (for pages answered without a redirect).</summary>
    public static string? Notice(string key) => Notices.GetValueOrDefault(key);

    /// <summary>How times are shown to this request's viewer: their own time zone, else the instance's.</summary>
    public static LocalTime TimeFor(HttpContext http, string instanceTimeZone) =>
        LocalTime.For(http.Items[ViewerTimeZoneItem] as string is { Length: > 0 } own && TimeZones.IsKnown(own) ? own : instanceTimeZone);

    private async Task<IResult> RenderAsync(HttpContext http, string page, string title, object? model, int status, SiteInfo instance,
        string? csrfField, string? csrfToken)
    {
        var user = http.User.Identity?.IsAuthenticated == true
            ? new
            {
                Username = http.User.FindFirstValue(ClaimTypes.Name),
                IsAdmin = http.User.IsInRole(Roles.Admin),
                FirstVisit = http.User.HasClaim(c => c.Type == FirstVisitClaim),
            }
            : null;
        var notice = http.Request.Query["notice"].ToString();

        var values = new Dictionary<string, object?>
        {
            ["page_title"] = title,
            ["site"] = new { instance.InstanceName, instance.Description },
            ["current_user"] = user,
            ["csrf_field"] = csrfField,
            ["csrf_token"] = csrfToken,
            ["noindex"] = !instance.AllowSearchIndexing,
            ["notice"] = Notices.GetValueOrDefault(notice),
            ["current_path"] = http.Request.Path.Value,
            ["local_time"] = TimeFor(http, instance.TimeZone).TemplateFunctions(),
        };

        var html = await theme.RenderPageAsync(page, values, model);
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}

/// <summary>What every page shows of the instance: its name and description, and whether search engines may index it.</summary>
public sealed record SiteInfo(string InstanceName, string? Description, bool AllowSearchIndexing, string TimeZone);

/// <summary>Where <see cref="Pages"/> reads <see cref="SiteInfo"/>: a seam, so theming does not depend on the feature that
/// owns the instance's settings (Hosting wires it to Features/Admin).</summary>
public sealed class SiteInfoSource(Func<CancellationToken, Task<SiteInfo>> get, Func<CancellationToken, Task<SiteInfo>> getOrDefaults)
{
    public Task<SiteInfo> GetAsync(CancellationToken ct) => get(ct);

    /// <summary>The settings, or the configured defaults when the database cannot be read (pages that must always answer).</summary>
    public Task<SiteInfo> GetOrDefaultsAsync(CancellationToken ct) => getOrDefaults(ct);
}

/// <summary>Whether a request is not known to have arrived over https on an https instance (an untrusted proxy): a seam
/// Hosting wires to its proxy-trust check, so theming does not depend on Hosting.</summary>
public sealed class ConnectionCheck(Func<HttpContext, bool> isInsecure)
{
    public static ConnectionCheck AlwaysSecure { get; } = new(_ => false);

    public bool IsInsecure(HttpContext http) => isInsecure(http);
}
