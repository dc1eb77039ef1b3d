using Kindred.Server.Tests.TestRig;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kindred.BrowserTests.Rig;

/// <summary>The GET routes of the running app, read from its <see cref="EndpointDataSource"/>.</summary>
public static class AppRoutes
{
    public sealed record Route(string Pattern, string DisplayName);

    /// <summary>Every route that answers GET and may serve a page (API, discovery, health and static routes left out).</summary>
    public static IReadOnlyList<Route> GetRoutes(KindredTestServer server)
    {
        var endpoints = server.Services.GetRequiredService<EndpointDataSource>().Endpoints;
        var routes = new List<Route>();
        foreach (var endpoint in endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            if (methods is { Count: > 0 } && !methods.Contains(HttpMethods.Get))
            {
                continue; // POST-only form handlers and API actions
            }
            var pattern = Normalise(endpoint.RoutePattern.RawText ?? "/");
            if (PageCatalog.NonPagePrefixes.Any(p => pattern.StartsWith(p, StringComparison.OrdinalIgnoreCase) || pattern == p.TrimEnd('/')))
            {
                continue;
            }
            if (ProducesOnlyJson(endpoint))
            {
                continue; // typed JSON results declare what they produce
            }
            routes.Add(new Route(pattern, endpoint.DisplayName ?? pattern));
        }
        return routes.DistinctBy(r => r.Pattern).OrderBy(r => r.Pattern, StringComparer.Ordinal).ToList();
    }

    /// <summary>Whether any route of the app starts with <paramref name="prefix"/> (e.g. to see whether a feature has landed).</summary>
    public static bool Exists(KindredTestServer server, string prefix) =>
        GetRoutes(server).Any(r => r.Pattern == prefix || r.Pattern.StartsWith(prefix + "/", StringComparison.Ordinal));

    /// <summary>"/admin/" and "admin" both become "/admin", the way the catalog spells routes.</summary>
    public static string Normalise(string raw)
    {
        var p = "/" + raw.Trim().TrimStart('/');
        return p.Length > 1 ? p.TrimEnd('/') : p;
    }

    private static bool ProducesOnlyJson(Endpoint endpoint)
    {
        var types = endpoint.Metadata.OfType<IProducesResponseTypeMetadata>().SelectMany(m => m.ContentTypes).ToList();
        return types.Count > 0 && types.All(t => t.Contains("json", StringComparison.OrdinalIgnoreCase));
    }
}
