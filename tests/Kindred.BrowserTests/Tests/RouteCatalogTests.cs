using Kindred.Server.Web;
using Kindred.BrowserTests.Rig;
using Kindred.Server.Tests.TestRig;

namespace Kindred.BrowserTests.Tests;

/// <summary>
/// Makes forgetting hard: every GET route the running app serves must be in <see cref="PageCatalog"/>, so every page
/// is checked by axe, the keyboard walk and the network checks. Needs no browser, so it runs everywhere.
/// </summary>
public sealed class RouteCatalogTests(SqliteServer fixture) : IClassFixture<SqliteServer>
{
    [Fact]
    public void Every_GET_route_of_the_app_is_in_the_page_catalog()
    {
        var routes = AppRoutes.GetRoutes(fixture.Server);
        Assert.Contains(routes, r => r.Pattern == "/"); // the enumeration itself works
        var missing = routes.Where(r => !PageCatalog.Routes.ContainsKey(r.Pattern)).ToList();
        Assert.True(missing.Count == 0,
            "These GET routes are not in tests/Kindred.BrowserTests/Rig/PageCatalog.cs, so no browser test would open them. " +
            "Add one line each: Page(Audience.Anyone|Members|Admins) for an HTML page (with a SampleData method for route " +
            "parameters), or NotAPage(\"why\") for an endpoint that serves no HTML:\n" +
            string.Join("\n", missing.Select(r => $"    [\"{r.Pattern}\"] = ...,   // {r.DisplayName}")));
    }

    [Fact]
    public void Every_catalog_entry_names_a_route_the_app_has()
    {
        var patterns = AppRoutes.GetRoutes(fixture.Server).Select(r => r.Pattern).ToHashSet(StringComparer.Ordinal);
        var stale = PageCatalog.Routes.Keys.Where(k => !patterns.Contains(k)).ToList();
        Assert.True(stale.Count == 0,
            "PageCatalog.cs lists routes the app no longer has (renamed or removed?); update or remove them: " + string.Join(", ", stale));
    }

    [Fact]
    public void Parameterised_pages_say_how_to_get_a_sample_url()
    {
        var unresolved = PageCatalog.Routes
            .Where(e => e.Value.IsPage && e.Key.Contains('{', StringComparison.Ordinal) && e.Value.SampleUrl is null)
            .Select(e => e.Key).ToList();
        Assert.True(unresolved.Count == 0,
            "These pages have route parameters but no sample URL; add a SampleData method that creates the data and returns a URL: " +
            string.Join(", ", unresolved));
    }
}
