using Kindred.Server.Web;
namespace Kindred.BrowserTests.Rig;

/// <summary>
/// Every GET route of the app, and how the browser tests open it. <see cref="AppRoutes"/> reads the running app's
/// endpoints and the tests fail on any route missing here, so a new page cannot escape the accessibility, keyboard
/// and network checks. Add one line per route:
/// <list type="bullet">
/// <item><c>Page(Audience.X)</c>: an HTML page without route parameters; it is opened at its own path.</item>
/// <item><c>Page(Audience.X, data => data.SomethingAsync())</c>: a page with parameters; <see cref="SampleData"/>
/// creates what it shows and returns a real URL (add a small method there).</item>
/// <item><c>NotAPage("why")</c>: a GET endpoint that serves no HTML (ActivityPub, JSON, feeds, redirects only).</item>
/// </list>
/// Keys are the route patterns exactly as ASP.NET Core reports them (the failure message prints them).
/// </summary>
public static class PageCatalog
{
    public static readonly IReadOnlyDictionary<string, CatalogEntry> Routes = new Dictionary<string, CatalogEntry>(StringComparer.Ordinal)
    {
        ["/"] = Page(Audience.Anyone),
        ["/guidelines"] = Page(Audience.Anyone),
        ["/help/urgent"] = Page(Audience.Anyone),
        ["/contact"] = Page(Audience.Anyone),
        ["/signin"] = Page(Audience.Anyone),
        ["/register"] = Page(Audience.Anyone),
        ["/signout"] = Page(Audience.Anyone),
        ["/password-reset"] = Page(Audience.Anyone),
        ["/password-reset/sent"] = Page(Audience.Anyone),
        ["/password-reset/confirm"] = Page(Audience.Anyone, data => data.PasswordResetUrlAsync()),
        ["/forbidden"] = Page(Audience.Anyone, status: 403),
        ["/account"] = Page(Audience.Members),
        ["/account/email/confirm"] = Page(Audience.Anyone, data => data.EmailConfirmUrlAsync()),
        ["/account/export"] = Page(Audience.Members),
        ["/account/delete"] = Page(Audience.Members),
        ["/admin/erasures"] = Page(Audience.Admins),
        ["/admin/modlog"] = Page(Audience.Admins, async data => { await data.ModerationLogUrlAsync(); return "/admin/modlog"; }),
        ["/account/export/download"] = NotAPage("the member's export as a ZIP file (404 page when there is none)"),
        ["/admin"] = Page(Audience.Admins),
        ["/admin/registrations"] = Page(Audience.Admins),
        ["/admin/helplines"] = Page(Audience.Admins),
        ["/admin/status"] = Page(Audience.Admins),
        ["/admin/federation/deliveries"] = Page(Audience.Admins),
        ["/admin/federation/dropped"] = Page(Audience.Admins),
        ["/admin/mail"] = Page(Audience.Admins),
        ["/admin/mail/pickup/{name}"] = Page(Audience.Admins, data => data.PickupMessageUrlAsync()),
        ["/admin/federation/policy"] = Page(Audience.Admins),
        ["/admin/federation/domain-blocks/{id:guid}"] = Page(Audience.Admins, data => data.DomainBlockUrlAsync()),
        ["/admin/federation/domain-blocks/export"] = NotAPage("the blocklist as a CSV or JSON file download"),
        ["/groups"] = Page(Audience.Anyone),
        ["/groups/new"] = Page(Audience.Admins),
        ["/groups/{slug}"] = Page(Audience.Anyone, data => data.GroupUrlAsync()),
        ["/groups/{slug}/waiting"] = Page(Audience.Anyone, async data => await data.GroupUrlAsync() + "/waiting"),
        ["/groups/{slug}/members"] = Page(Audience.Admins, async data => await data.GroupUrlAsync() + "/members"),
        ["/groups/{slug}/settings"] = Page(Audience.Admins, async data => await data.GroupUrlAsync() + "/settings"),
        ["/groups/{slug}/leave"] = Page(Audience.Admins, async data => await data.GroupUrlAsync() + "/leave"),
        ["/groups/{slug}/threads/new"] = Page(Audience.Admins, async data => await data.GroupUrlAsync() + "/threads/new"),
        ["/threads/{id:guid}"] = Page(Audience.Anyone, data => data.ThreadUrlAsync()),
        ["/threads/{id:guid}/reply"] = Page(Audience.Admins, async data => await data.ThreadUrlAsync() + "/reply"),
        ["/posts/{id:guid}/edit"] = Page(Audience.Admins, async data => await data.ReplyPostUrlAsync() + "/edit"),
        ["/posts/{id:guid}/delete"] = Page(Audience.Admins, async data => await data.ReplyPostUrlAsync() + "/delete"),
        ["/posts/{id:guid}/remove"] = Page(Audience.Admins, async data => await data.ReplyPostUrlAsync() + "/remove"),
        ["/groups/{slug}/members/{member}/ban"] = Page(Audience.Admins, async data => await data.GroupUrlAsync() + "/members/someone/ban"),
        ["/groups/{slug}/bans"] = Page(Audience.Admins, async data => await data.GroupUrlAsync() + "/bans"),
        ["/groups/{slug}/modlog"] = Page(Audience.Anyone, data => data.ModerationLogUrlAsync()),
        ["/notifications"] = Page(Audience.Members),
        ["/waiting"] = Page(Audience.Members),
        ["/reports"] = Page(Audience.Members, data => data.ReportsUrlAsync()),
        ["/reports/new"] = Page(Audience.Members, data => data.ReportFormUrlAsync()),
        ["/actor"] = NotAPage("the instance's ActivityPub actor (JSON)"),
        ["/users/{username}"] = NotAPage("a member's ActivityPub actor (JSON); there is no public HTML profile, for privacy"),
        ["/users/{username}/followers"] = NotAPage("ActivityPub collection (JSON)"),
        ["/users/{username}/following"] = NotAPage("ActivityPub collection (JSON)"),
        ["/users/{username}/outbox"] = NotAPage("ActivityPub collection (JSON)"),
        ["/users/{username}/likes/{id:guid}"] = NotAPage("a member's \"I hear you\" as an ActivityPub Like (JSON); browsers are redirected to the post"),
        ["/replies/{id:guid}"] = NotAPage("ActivityPub Note (JSON); browsers are redirected into the thread"),
        ["/groups/{slug}/followers"] = NotAPage("ActivityPub collection (JSON)"),
        ["/groups/{slug}/outbox"] = NotAPage("ActivityPub collection (JSON)"),
        ["/groups/{slug}/featured"] = NotAPage("ActivityPub collection (JSON)"),
        ["/groups/{slug}/moderators"] = NotAPage("ActivityPub collection (JSON)"),
    };

    /// <summary>
    /// Prefixes that never serve HTML pages: APIs, machine-readable discovery documents, health probes and static files.
    /// A route under one of these needs no catalog entry.
    /// </summary>
    public static readonly string[] NonPagePrefixes =
        ["/api/", "/openapi/", "/.well-known/", "/nodeinfo/", "/healthz", "/readyz", "/robots.txt", "/assets/"];

    private static CatalogEntry Page(Audience audience, Func<SampleData, Task<string>>? sampleUrl = null, int status = 200) =>
        new(audience, sampleUrl, status, null);

    private static CatalogEntry NotAPage(string reason) => new(Audience.Anyone, null, 0, reason);
}

/// <summary>One route in the catalog. <see cref="NotAPageReason"/> is set for GET endpoints that serve no HTML.</summary>
public sealed record CatalogEntry(Audience Audience, Func<SampleData, Task<string>>? SampleUrl, int ExpectedStatus, string? NotAPageReason)
{
    public bool IsPage => NotAPageReason is null;
}

/// <summary>A page the browser tests open: its route, a concrete URL, who may see it and the status it answers with.</summary>
public sealed record PageUnderTest(string Route, string Url, Audience Audience, int ExpectedStatus)
{
    public override string ToString() => Url == Route ? Url : $"{Url} ({Route})";
}
