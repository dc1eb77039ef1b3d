using Kindred.Server.Web;
using System.Net;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Foundation;

/// <summary>
/// Admins keep the urgent help page's helplines on a page of their own: validated, phone numbers as tel: links, text
/// services as sms: links that read as people say them, and the emergency-services entry kept unless removed on purpose.
/// </summary>
public abstract class HelplineTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    private async Task<WebSession> AdminAsync()
    {
        var session = Server.NewSession();
        await Accounts.SignInAsync(session, await Accounts.CreateWithCliAsync(Server, "admin"));
        return session;
    }

    /// <summary>Everything the form would send as it stands (as a browser sends it), with <paramref name="changes"/> applied.</summary>
    private static Dictionary<string, string> AsShown(WebSession.Page page, Dictionary<string, string> changes)
    {
        var values = new Dictionary<string, string>();
        foreach (var input in page.Form("/admin/helplines").QuerySelectorAll("input, textarea").OfType<AngleSharp.Html.Dom.IHtmlElement>())
        {
            switch (input)
            {
                case AngleSharp.Html.Dom.IHtmlInputElement { Type: "hidden" }:
                    break; // SubmitAsync sends hidden fields itself
                case AngleSharp.Html.Dom.IHtmlInputElement { Type: "checkbox" } box:
                    if (box.IsChecked)
                    {
                        values[box.Name!] = box.Value;
                    }

                    break;
                case AngleSharp.Html.Dom.IHtmlInputElement field:
                    values[field.Name!] = field.Value;
                    break;
                case AngleSharp.Html.Dom.IHtmlTextAreaElement area:
                    values[area.Name!] = area.Value;
                    break;
            }
        }

        foreach (var (key, value) in changes)
        {
            values[key] = value;
        }

        return values;
    }

    [Fact]
    public async Task An_admin_adds_helplines_and_the_emergency_entry_stays_unless_removed_explicitly()
    {
        using var admin = await AdminAsync();
        var page = await admin.GetAsync("/admin/helplines");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("Emergency services", page.Document.QuerySelector("#name-0")?.GetAttribute("value"));

        var saved = await admin.SubmitAsync(page, "/admin/helplines", AsShown(page, new Dictionary<string, string>
        {
            ["name-0"] = "Emergency services",
            ["phone-0"] = "999",
            ["name-1"] = "Samaritans",
            ["phone-1"] = "116 123",
            ["hours-1"] = "24 hours, every day",
            ["name-2"] = "Shout",
            ["text-2"] = "85258",
            ["keyword-2"] = "SHOUT",
            ["url-2"] = "https://giveusashout.org",
        }));
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);

        using var visitor = Server.NewSession();
        var urgent = await visitor.GetAsync("/help/urgent");
        var main = urgent.Text("main");
        Assert.Contains("Emergency services", main, StringComparison.Ordinal);
        Assert.Equal("999", urgent.Document.QuerySelector("a[href='tel:999']")?.TextContent.Trim());
        Assert.Equal("116 123", urgent.Document.QuerySelector("a[href='tel:116123']")?.TextContent.Trim());
        var sms = urgent.Document.QuerySelector("a[href^='sms:']");
        Assert.Equal("sms:85258?body=SHOUT", sms?.GetAttribute("href"));
        Assert.Contains("Text SHOUT to 85258", sms!.ParentElement!.TextContent.Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("Text: Text", main, StringComparison.Ordinal);
        Assert.Null(urgent.Document.QuerySelector(".warning")); // no longer the example list

        // Saving again without the emergency row's fields does not drop it silently.
        page = await admin.GetAsync("/admin/helplines");
        var blanked = await admin.SubmitAsync(page, "/admin/helplines", AsShown(page, new Dictionary<string, string> { ["name-0"] = "", ["phone-0"] = "", ["description-0"] = "" }));
        Assert.Equal(HttpStatusCode.BadRequest, blanked.StatusCode);
        Assert.NotNull((await WebSession.ParseAsync(blanked)).Document.QuerySelector("#name-0-error"));
        Assert.Contains("Emergency services", (await visitor.GetAsync("/help/urgent")).Text("main"), StringComparison.Ordinal);

        // Removing it is a deliberate act.
        page = await admin.GetAsync("/admin/helplines");
        Assert.Equal(HttpStatusCode.Redirect, (await admin.SubmitAsync(page, "/admin/helplines", AsShown(page, new Dictionary<string, string> { ["remove-0"] = "true" }))).StatusCode);
        var after = (await visitor.GetAsync("/help/urgent")).Text("main");
        Assert.DoesNotContain("Emergency services", after, StringComparison.Ordinal);
        Assert.Contains("Samaritans", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Helplines_are_validated_and_the_form_keeps_what_was_typed()
    {
        using var admin = await AdminAsync();
        var page = await admin.GetAsync("/admin/helplines");
        var response = await admin.SubmitAsync(page, "/admin/helplines", AsShown(page, new Dictionary<string, string>
        {
            ["name-1"] = "Bad phone",
            ["phone-1"] = "call me maybe",
            ["name-2"] = "Bad link",
            ["url-2"] = "javascript:alert(1)",
            ["phone-3"] = "0800 123 456",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await WebSession.ParseAsync(response);
        Assert.NotNull(errors.Document.QuerySelector("#phone-1-error"));
        Assert.NotNull(errors.Document.QuerySelector("#url-2-error"));
        Assert.NotNull(errors.Document.QuerySelector("#name-3-error"));
        Assert.Equal("call me maybe", errors.Document.QuerySelector("#phone-1")?.GetAttribute("value"));
        Assert.Equal("true", errors.Document.QuerySelector("#phone-1")?.GetAttribute("aria-invalid"));
        Assert.DoesNotContain("javascript:", (await Server.NewSession().GetAsync("/help/urgent")).Document.DocumentElement.OuterHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_admins_open_the_helplines_page()
    {
        using var member = Server.NewSession();
        await Accounts.SignInAsync(member, await Accounts.RegisterAsync(Server));
        Assert.NotEqual(HttpStatusCode.OK, (await member.Http.GetAsync("/admin/helplines")).StatusCode);
    }
}

public sealed class HelplineTestsOnSqlite(SqliteServer f) : HelplineTests<SqliteServer>(f);

public sealed class HelplineTestsOnPostgres(PostgresServer f) : HelplineTests<PostgresServer>(f);

/// <summary>Helplines from the configuration file, written the way the admin guide used to show them.</summary>
public abstract class ConfiguredHelplineTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    [Fact]
    public async Task Configured_helplines_keep_the_emergency_entry_and_read_naturally()
    {
        using var visitor = fixture.Server.NewSession();
        var urgent = await visitor.GetAsync("/help/urgent");
        var main = urgent.Text("main");
        Assert.Contains("Emergency services", main, StringComparison.Ordinal);
        Assert.Contains("Samaritans", main, StringComparison.Ordinal);
        Assert.DoesNotContain("Text: Text", main, StringComparison.Ordinal);
        Assert.Equal("sms:85258?body=SHOUT", urgent.Document.QuerySelector("a[href^='sms:']")?.GetAttribute("href"));
    }
}

public static class ConfiguredHelplines
{
    public static void Add(Dictionary<string, string?> s)
    {
        s["Kindred:Helplines:0:Name"] = "Samaritans";
        s["Kindred:Helplines:0:Phone"] = "116 123";
        s["Kindred:Helplines:1:Name"] = "Shout";
        s["Kindred:Helplines:1:Text"] = "Text SHOUT to 85258";
    }
}

public class HelplinesSqliteServer : SqliteServer
{
    protected override void Configure(Dictionary<string, string?> settings) => ConfiguredHelplines.Add(settings);
}

public class HelplinesPostgresServer : PostgresServer
{
    protected override void Configure(Dictionary<string, string?> settings) => ConfiguredHelplines.Add(settings);
}

public sealed class ConfiguredHelplineTestsOnSqlite(HelplinesSqliteServer f) : ConfiguredHelplineTests<HelplinesSqliteServer>(f);

public sealed class ConfiguredHelplineTestsOnPostgres(HelplinesPostgresServer f) : ConfiguredHelplineTests<HelplinesPostgresServer>(f);
