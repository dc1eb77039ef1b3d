using Kindred.Server.Configuration;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Foundation;

/// <summary>An instance theme overrides only the templates it contains; the rest come from the default theme.</summary>
public sealed class ThemeTests
{
    [Fact]
    public async Task A_custom_theme_overrides_one_partial_and_falls_back_for_everything_else()
    {
        var themes = Path.Combine(Path.GetTempPath(), "kindred-themes-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(themes, "carers", "partials"));
        Directory.CreateDirectory(Path.Combine(themes, "carers", "assets"));
        await File.WriteAllTextAsync(Path.Combine(themes, "carers", "partials", "footer.sbn-html"),
            "<footer class=\"site-footer\"><p>Carers Trust footer for {{ site.instance_name }} &amp; {{ '<b>' }}</p></footer>");
        await File.WriteAllTextAsync(Path.Combine(themes, "carers", "assets", "extra.css"), "body { color: black; }");

        await using var server = await KindredTestServer.StartAsync(DatabaseKind.Sqlite, s =>
        {
            s["Kindred:Theme"] = "carers";
            s["Kindred:ThemesPath"] = themes;
        });
        using var session = server.NewSession();
        var page = await session.GetAsync("/help/urgent");
        Assert.Equal("Carers Trust footer for Kindred & <b>", page.Text("footer"));
        Assert.Empty(page.Document.QuerySelectorAll("footer b")); // template values are escaped even in custom themes
        Assert.Equal("Need urgent help?", page.Text("header .urgent-help")); // header from the default theme
        Assert.Equal("Urgent help", page.Text("h1"));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await session.Http.GetAsync("/assets/extra.css")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await session.Http.GetAsync("/assets/site.css")).StatusCode);
    }

    [Fact]
    public async Task Configured_helplines_replace_the_example_list()
    {
        await using var server = await KindredTestServer.StartAsync(DatabaseKind.Sqlite, s =>
        {
            s["Kindred:Helplines:0:Name"] = "Samaritans";
            s["Kindred:Helplines:0:Phone"] = "116 123";
            s["Kindred:Helplines:0:Hours"] = "24 hours, every day";
        });
        using var session = server.NewSession();
        var page = await session.GetAsync("/help/urgent");
        Assert.DoesNotContain("Example list", page.Text("main"));
        Assert.Equal("Samaritans", page.Text(".helplines h2"));
        Assert.Equal("tel:116123", page.Document.QuerySelector(".helplines a[href^='tel:']")?.GetAttribute("href"));
    }
}
