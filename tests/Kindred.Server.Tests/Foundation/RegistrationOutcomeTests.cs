using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Features.Admin;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Foundation;

/// <summary>
/// What applicants are told when they sign in (waiting, declined) without anyone learning which usernames exist;
/// invite codes in every registration mode but closed; and the way forward from a forgotten password.
/// </summary>
public abstract class RegistrationOutcomeTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    private async Task SetModeAsync(string mode)
    {
        var settings = Server.Get<InstanceSettings>();
        await settings.SaveAsync(await settings.GetAsync() with { RegistrationMode = mode });
    }

    private static Dictionary<string, string> CompleteForm(string name, string? invite = null)
    {
        var form = new Dictionary<string, string>
        {
            ["username"] = name,
            ["email"] = $"{name}@example.org",
            ["password"] = Accounts.Password,
            ["acceptGuidelines"] = "true",
            ["consentToProcessing"] = "true",
            ["confirmAge"] = "true",
        };
        if (invite is not null)
        {
            form["inviteCode"] = invite;
        }

        return form;
    }

    private async Task<(HttpStatusCode Status, string Message)> SignInAsync(string username, string password)
    {
        using var session = Server.NewSession();
        var response = await session.SubmitAsync("/signin", "/signin", new Dictionary<string, string> { ["username"] = username, ["password"] = password });
        return (response.StatusCode, (await WebSession.ParseAsync(response)).Text(".error-summary"));
    }

    private async Task<HttpResponseMessage> TokenAsync(string username, string password)
    {
        using var session = Server.NewSession();
        return await session.PostJsonAsync("/api/v1/auth/token", new { username, password });
    }

    [Fact]
    public async Task Waiting_and_declined_applicants_are_told_so_only_with_their_own_password()
    {
        await SetModeAsync("approval");
        var name = Accounts.UniqueName("applicant");
        using (var web = Server.NewSession())
        {
            Assert.Equal(HttpStatusCode.Redirect, (await web.SubmitAsync("/register", "/register", CompleteForm(name))).StatusCode);
        }

        var (_, waiting) = await SignInAsync(name, Accounts.Password);
        Assert.Contains("waiting", waiting, StringComparison.OrdinalIgnoreCase);
        var (_, unknown) = await SignInAsync(Accounts.UniqueName("nobody"), Accounts.Password);
        var (_, wrongWhileWaiting) = await SignInAsync(name, "not the right password");
        Assert.Equal(unknown, wrongWhileWaiting);

        var user = await Server.Get<UserStore>().FindByUsernameAsync(name);
        Assert.True(await Server.Get<UserStore>().DeclineAsync(user!.Id));

        var (status, declined) = await SignInAsync(name, Accounts.Password);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("declined", declined, StringComparison.OrdinalIgnoreCase);
        // Without the password, a declined name looks like any name that does not exist.
        var (_, wrongAfterDecline) = await SignInAsync(name, "not the right password");
        Assert.Equal(unknown, wrongAfterDecline);
        Assert.DoesNotContain("declined", wrongAfterDecline, StringComparison.OrdinalIgnoreCase);

        var api = await TokenAsync(name, Accounts.Password);
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        Assert.Contains("declined", await api.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TokenAsync(name, "not the right password")).StatusCode);

        // The name is free again; registering anew replaces the declined record.
        using (var web = Server.NewSession())
        {
            Assert.Equal(HttpStatusCode.Redirect, (await web.SubmitAsync("/register", "/register", CompleteForm(name))).StatusCode);
        }

        var (_, again) = await SignInAsync(name, Accounts.Password);
        Assert.Contains("waiting", again, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_valid_invite_skips_approval_and_an_invite_link_fills_in_the_code()
    {
        await SetModeAsync("approval");
        var admin = await Accounts.CreateWithCliAsync(Server, "admin");
        var adminId = (await Server.Get<UserStore>().FindByUsernameAsync(admin))!.Id;
        var invite = await Server.Get<Invites>().CreateAsync(adminId, 5, 7, "drop-in group");

        using var web = Server.NewSession();
        var form = await web.GetAsync($"/register?invite={invite.Code}");
        Assert.Equal(invite.Code, form.Document.QuerySelector("#inviteCode")?.GetAttribute("value"));

        var name = Accounts.UniqueName("invited");
        var response = await web.SubmitAsync(form, "/register", CompleteForm(name, invite.Code));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("notice=registered", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(AccountStatus.Active, (await Server.Get<UserStore>().FindByUsernameAsync(name))!.Status);

        // A code that does not work is said so, next to the field; nothing is stored.
        using var other = Server.NewSession();
        var bad = await other.SubmitAsync("/register", "/register", CompleteForm(Accounts.UniqueName("bad"), "NOTAREALCODE"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull((await WebSession.ParseAsync(bad)).Document.QuerySelector("#inviteCode-error"));

        // Without a code, approval as before.
        var waiting = await other.SubmitAsync("/register", "/register", CompleteForm(Accounts.UniqueName("plain")));
        Assert.Contains("notice=pending", waiting.Headers.Location!.OriginalString, StringComparison.Ordinal);

        // The API takes the code too.
        var apiName = Accounts.UniqueName("apiinvited");
        var api = await other.PostJsonAsync("/api/v1/accounts", new
        {
            username = apiName, email = $"{apiName}@example.org", password = Accounts.Password, acceptGuidelines = true,
            consentToProcessing = true, confirmAge = true, inviteCode = invite.Code.ToLowerInvariant(),
        });
        Assert.Equal(HttpStatusCode.Created, api.StatusCode);
        Assert.Equal(2, (await Server.Get<Invites>().ListAsync()).Single(i => i.Id == invite.Id).Uses);
    }

    [Fact]
    public async Task Invites_work_in_open_mode_and_not_when_registration_is_closed()
    {
        var admin = await Accounts.CreateWithCliAsync(Server, "admin");
        var adminId = (await Server.Get<UserStore>().FindByUsernameAsync(admin))!.Id;
        var invite = await Server.Get<Invites>().CreateAsync(adminId, 5, null, null);

        await SetModeAsync("open");
        using var web = Server.NewSession();
        var form = await web.GetAsync($"/register?invite={invite.Code}");
        Assert.Equal(invite.Code, form.Document.QuerySelector("#inviteCode")?.GetAttribute("value"));
        Assert.Equal(HttpStatusCode.Redirect, (await web.SubmitAsync(form, "/register", CompleteForm(Accounts.UniqueName("openinv"), invite.Code))).StatusCode);
        Assert.Equal(1, (await Server.Get<Invites>().ListAsync()).Single(i => i.Id == invite.Id).Uses);

        await SetModeAsync("closed");
        using var closed = Server.NewSession();
        var page = await closed.GetAsync($"/register?invite={invite.Code}");
        Assert.Null(page.Document.QuerySelector("form[action='/register']"));
        var api = await closed.PostJsonAsync("/api/v1/accounts", new
        {
            username = Accounts.UniqueName("closedinv"), email = "closed@example.org", password = Accounts.Password, acceptGuidelines = true,
            consentToProcessing = true, confirmAge = true, inviteCode = invite.Code,
        });
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        await SetModeAsync("open");
    }

    [Fact]
    public async Task Admins_see_an_invite_link_to_hand_out()
    {
        var admin = await Accounts.CreateWithCliAsync(Server, "admin");
        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, admin);
        var created = await session.SubmitAsync("/admin/registrations", "/admin/invites", new Dictionary<string, string> { ["maxUses"] = "2", ["note"] = "link test" });
        var page = await session.FollowAsync(created);
        var row = page.Document.QuerySelectorAll("tbody tr").First(r => r.TextContent.Contains("link test", StringComparison.Ordinal));
        var code = row.QuerySelector("code")!.TextContent.Trim();
        var expected = $"{Server.BaseAddress.GetLeftPart(UriPartial.Authority)}/register?invite={code}";
        Assert.Contains(expected, row.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sign_in_page_says_what_to_do_about_a_forgotten_password_and_the_contact_page_says_how()
    {
        using var session = Server.NewSession();
        var signIn = await session.GetAsync("/signin");
        var help = signIn.Document.QuerySelector("main a[href='/contact']");
        Assert.NotNull(help);
        Assert.Contains("forgot", signIn.Text("main"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("admins", signIn.Text("main"), StringComparison.OrdinalIgnoreCase);

        var settings = Server.Get<InstanceSettings>();
        var before = await settings.GetAsync();
        var empty = await session.GetAsync("/contact");
        Assert.Equal(HttpStatusCode.OK, empty.Status);
        Assert.NotEmpty(empty.Text("main"));

        var admin = await Accounts.CreateWithCliAsync(Server, "admin");
        using var adminSession = Server.NewSession();
        await Accounts.SignInAsync(adminSession, admin);
        var form = await adminSession.GetAsync("/admin");
        var saved = await adminSession.SubmitAsync(form, "/admin/settings", new Dictionary<string, string>
        {
            ["instanceName"] = before.InstanceName,
            ["description"] = before.Description,
            ["registrationMode"] = before.RegistrationMode,
            ["guidelines"] = before.Guidelines,
            ["contact"] = "Write to **help@carers.example** or ask at the Tuesday drop-in.",
            ["timeZone"] = "UTC",
        });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var contact = await session.GetAsync("/contact");
        Assert.Contains("help@carers.example", contact.Text("main .prose"), StringComparison.Ordinal);
        Assert.NotNull(contact.Document.QuerySelector("main .prose strong"));
        await settings.SaveAsync(before);
    }

    [Fact]
    public async Task The_api_says_when_a_registration_is_still_waiting()
    {
        await SetModeAsync("approval");
        var name = Accounts.UniqueName("apiwait");
        using var session = Server.NewSession();
        var created = await session.PostJsonAsync("/api/v1/accounts", new
        {
            username = name, email = $"{name}@example.org", password = Accounts.Password, acceptGuidelines = true, consentToProcessing = true, confirmAge = true,
        });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var token = await TokenAsync(name, Accounts.Password);
        Assert.Equal(HttpStatusCode.Forbidden, token.StatusCode);
        var problem = await token.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("waiting", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        await SetModeAsync("open");
    }
}

public sealed class RegistrationOutcomeTestsOnSqlite(SqliteServer f) : RegistrationOutcomeTests<SqliteServer>(f);

public sealed class RegistrationOutcomeTestsOnPostgres(PostgresServer f) : RegistrationOutcomeTests<PostgresServer>(f);
