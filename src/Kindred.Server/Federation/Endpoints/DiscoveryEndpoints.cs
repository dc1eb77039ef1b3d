using System.Reflection;
using Dapper;
using Kindred.ActivityPub.Discovery;
using Kindred.ActivityPub.Json;
using Kindred.Server.Data;
using Kindred.Server.Features.Admin;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Endpoints;

/// <summary>
/// WebFinger (RFC 7033) for <c>acct:name@host</c> (users and groups share the <c>handles</c> namespace) and for
/// actor URLs; host-meta (RFC 6415); NodeInfo 2.0 and 2.1 with the FEP-2677 application actor link.
/// </summary>
public static class DiscoveryEndpoints
{
    public static IEndpointRouteBuilder MapDiscoveryEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/webfinger", WebFingerAsync);
        app.MapGet("/.well-known/host-meta", (ActorUrls urls) => TypedResults.Text(HostMeta.BuildXrd(urls.Origin), HostMeta.MediaType));
        app.MapGet("/.well-known/nodeinfo", (HttpContext http, ActorUrls urls) =>
            ActivityPubContent.Json(http, NodeInfo.WellKnown(new Uri(urls.Origin, "nodeinfo/2.1"), new Uri(urls.Origin, "nodeinfo/2.0"), urls.InstanceActor), "application/json"));
        app.MapGet("/nodeinfo/2.1", (HttpContext http, Database db, InstanceSettings settings, TimeProvider time) => NodeInfoAsync(http, db, settings, time, "2.1"));
        app.MapGet("/nodeinfo/2.0", (HttpContext http, Database db, InstanceSettings settings, TimeProvider time) => NodeInfoAsync(http, db, settings, time, "2.0"));
        return app;
    }

    private static async Task<IResult> WebFingerAsync(HttpContext http, string? resource, ActorUrls urls, LocalActors local, Database db)
    {
        var ct = http.RequestAborted;
        if (string.IsNullOrWhiteSpace(resource))
        {
            return TypedResults.Problem("The resource parameter is required.", statusCode: StatusCodes.Status400BadRequest);
        }

        string? name = null;
        if (resource.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || resource.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(resource, UriKind.Absolute, out var url) || !urls.IsLocal(url))
            {
                return Results.NotFound();
            }

            // The instance itself or its actor (FEP-2677).
            if (url == urls.InstanceActor || url.AbsolutePath == "/")
            {
                var subject = AcctUri.Parse($"{urls.Origin.IdnHost}@{urls.Authority}");
                return Jrd(http, Kindred.ActivityPub.Discovery.Jrd.ForActor(subject, urls.InstanceActor) with { Subject = urls.InstanceActor.AbsoluteUri });
            }

            var segments = url.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            name = segments is ["users" or "groups", var n] ? Uri.UnescapeDataString(n) : null;
        }
        else if (AcctUri.TryParse(resource, out var acct) && string.Equals(acct.Host, urls.Authority, StringComparison.OrdinalIgnoreCase))
        {
            name = acct.User;
        }

        if (name is null || await local.FindHandleAsync(name, ct) is not { } handle)
        {
            return Results.NotFound();
        }

        var subjectAcct = AcctUri.Parse($"{name}@{urls.Authority}");
        switch (handle.Kind)
        {
            case "user" when await local.FindPersonByNameAsync(name, ct) is { } person:
                return Jrd(http, Kindred.ActivityPub.Discovery.Jrd.ForActor(subjectAcct, person.ActorId));
            case "group" when await GroupActor.FindByIdAsync(db, handle.OwnerId, ct) is { } group && GroupActor.IsDiscoverable(group):
                return Jrd(http, Kindred.ActivityPub.Discovery.Jrd.ForActor(subjectAcct, urls.Group(group.Slug)));
            default:
                return Results.NotFound();
        }
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Jrd(HttpContext http, Jrd jrd)
    {
        // Discovery documents are fetched by browsers' clients too (RFC 7033 §5).
        http.Response.Headers.AccessControlAllowOrigin = "*";
        return TypedResults.Text(JsonOutput.Serialize(jrd.ToJson()), Kindred.ActivityPub.Discovery.Jrd.MediaType);
    }

    // Counts only what is already public: active accounts, and how many of them signed in recently. Nothing about
    // groups, members-only content or who belongs where.
    private const string Usage = """
        SELECT
            (SELECT COUNT(*) FROM users WHERE status = 'active') AS total,
            (SELECT COUNT(*) FROM users WHERE status = 'active' AND last_sign_in_at >= @month) AS active_month,
            (SELECT COUNT(*) FROM users WHERE status = 'active' AND last_sign_in_at >= @halfYear) AS active_half_year
        """;

    // Counts only what is already public: local threads and replies in public, federated groups. Members-only
    // and local-only groups are not counted, so NodeInfo reveals nothing about them.
    private const string LocalPosts = """
        SELECT
            (SELECT COUNT(*) FROM threads t JOIN groups g ON g.id = t.group_id
             WHERE t.origin = 'local' AND t.deleted_at IS NULL AND g.visibility = 'public' AND g.federation = 'federated')
          + (SELECT COUNT(*) FROM replies r JOIN threads t ON t.id = r.thread_id JOIN groups g ON g.id = t.group_id
             WHERE r.origin = 'local' AND r.deleted_at IS NULL AND g.visibility = 'public' AND g.federation = 'federated')
        """;

    private static async Task<IResult> NodeInfoAsync(HttpContext http, Database db, InstanceSettings settings, TimeProvider time, string version)
    {
        var now = time.GetUtcNow();
        await using var c = await db.OpenAsync(http.RequestAborted);
        var usage = await c.QuerySingleAsync<UsageRow>(Usage, new { month = now.AddDays(-30), halfYear = now.AddDays(-180) });
        var posts = await c.ExecuteScalarAsync<long>(LocalPosts);
        var s = await settings.GetAsync(http.RequestAborted);
        var document = NodeInfo.Build(new NodeInfoDocument
        {
            SoftwareName = "kindred",
            SoftwareVersion = typeof(DiscoveryEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0",
            OpenRegistrations = s.RegistrationMode == "open",
            TotalUsers = usage.Total,
            ActiveMonth = usage.ActiveMonth,
            ActiveHalfyear = usage.ActiveHalfYear,
            LocalPosts = posts,
            Metadata = new System.Text.Json.Nodes.JsonObject { ["nodeName"] = s.InstanceName },
        }, version);
        var profile = $"application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\"";
        return ActivityPubContent.Json(http, document, profile);
    }

    private sealed record UsageRow
    {
        public long Total { get; init; }
        public long ActiveMonth { get; init; }
        public long ActiveHalfYear { get; init; }
    }
}
