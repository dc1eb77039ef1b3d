using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Mail;

/// <summary>
/// "Forgot your password?" with nothing configured (pickup mode), on both databases: the message lands in the pickup
/// folder, its link works once, other sessions and API tokens end, and every way a link can stop working says so.
/// </summary>
public abstract class PasswordResetTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    private async Task<HttpResponseMessage> AskAsync(WebSession session, string email) =>
        await session.SubmitAsync("/password-reset", "/password-reset", new Dictionary<string, string> { ["email"] = email });

    [Fact]
    public async Task A_forgotten_password_is_reset_through_the_message_in_the_pickup_folder()
    {
        var email = $"{Accounts.UniqueName("reset")}@example.org";
        var username = await MailRig.RegisterAsync(Server, email);
        using var other = Server.NewSession();
        await Accounts.SignInAsync(other, username);
        var token = await Accounts.TokenAsync(Server, username);

        using var session = Server.NewSession();
        var signIn = await session.GetAsync("/signin");
        Assert.NotNull(signIn.Document.QuerySelector("a[href='/password-reset']"));
        var asked = await AskAsync(session, email.ToUpperInvariant());
        Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);
        Assert.Equal("/password-reset/sent", asked.Headers.Location?.OriginalString);
        var sent = await session.FollowAsync(asked);
        Assert.Contains("Check your e-mail", sent.Text("main"));

        var message = await MailRig.WaitForPickupAsync(Server, email);
        Assert.Contains("Reset your password", message.Subject);
        Assert.Contains(username, message.TextBody);
        Assert.Contains("/help/urgent", message.TextBody);
        Assert.Contains("/help/urgent", message.HtmlBody);
        Assert.DoesNotContain("<img", message.HtmlBody, StringComparison.OrdinalIgnoreCase);
        Assert.Null(message.Headers["List-Unsubscribe"]);
        Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);
        // Every link is a plain link to this instance: nothing tracks who opened what.
        var origin = Server.Settings["Kindred:PublicUrl"]!;
        foreach (System.Text.RegularExpressions.Match href in System.Text.RegularExpressions.Regex.Matches(message.HtmlBody ?? "", "href=\"([^\"]+)\""))
        {
            Assert.StartsWith(origin, WebUtility.HtmlDecode(href.Groups[1].Value), StringComparison.Ordinal);
        }

        var link = MailRig.ResetPath(message);
        var form = await session.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, form.Status);
        var done = await session.SubmitAsync(form, "/password-reset/confirm", new Dictionary<string, string> { ["password"] = "a brand new long password" });
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal("/signin?notice=password-reset", done.Headers.Location?.OriginalString);

        // Other sessions and API tokens ended; the new password works, the old one does not.
        var otherNow = await other.Http.GetAsync("/notifications");
        Assert.Equal(HttpStatusCode.Redirect, otherNow.StatusCode);
        using (var api = Server.NewSession())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetWithTokenAsync("/api/v1/accounts/me", token)).StatusCode);
        }

        await Accounts.SignInAsync(session, username, "a brand new long password");
        using var stranger = Server.NewSession();
        var old = await stranger.PostJsonAsync("/api/v1/auth/token", new { username, password = Accounts.Password });
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);

        // The link worked once.
        using var again = Server.NewSession();
        var used = await again.GetAsync(link);
        Assert.Equal(HttpStatusCode.Gone, used.Status);
        Assert.Contains("used already", used.Text("main"));
        Assert.NotNull(used.Document.QuerySelector("a[href='/password-reset']"));
    }

    [Fact]
    public async Task The_answer_is_the_same_whether_or_not_the_address_has_an_account_and_nothing_is_sent_to_strangers()
    {
        var email = $"{Accounts.UniqueName("known")}@example.org";
        await MailRig.RegisterAsync(Server, email);
        using var session = Server.NewSession();

        var before = await MailRig.MailJobCountAsync(Server);
        var unknown = await session.PostJsonAsync("/api/v1/auth/password-reset", new { email = "nobody-" + email });
        Assert.Equal(before, await MailRig.MailJobCountAsync(Server));
        var known = await session.PostJsonAsync("/api/v1/auth/password-reset", new { email });
        Assert.Equal(before + 1, await MailRig.MailJobCountAsync(Server));

        Assert.Equal(HttpStatusCode.Accepted, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(await unknown.Content.ReadAsStringAsync(), await known.Content.ReadAsStringAsync());

        var webUnknown = await AskAsync(session, "nobody-" + email);
        var webKnown = await AskAsync(session, email);
        Assert.Equal(webUnknown.Headers.Location, webKnown.Headers.Location);
    }

    [Fact]
    public async Task An_invalid_address_is_a_400_naming_the_field()
    {
        using var session = Server.NewSession();
        var api = await session.PostJsonAsync("/api/v1/auth/password-reset", new { email = "not an address" });
        Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
        var problem = await api.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));

        var page = await WebSession.ParseAsync(await AskAsync(session, "not an address"));
        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal("true", page.Document.QuerySelector("#email")?.GetAttribute("aria-invalid"));
    }

    [Fact]
    public async Task A_forged_expired_replaced_or_cancelled_link_gives_a_clear_page_with_a_way_to_ask_again()
    {
        using var session = Server.NewSession();
        var forged = await session.GetAsync("/password-reset/confirm?token=made-up-token");
        Assert.Equal(HttpStatusCode.BadRequest, forged.Status);
        Assert.Contains("not one we sent", forged.Text("main"));
        Assert.NotNull(forged.Document.QuerySelector("a[href='/password-reset']"));
        var api = await session.PostJsonAsync("/api/v1/auth/password-reset/confirm", new { token = "made-up-token", password = "a brand new long password" });
        Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
        Assert.True((await api.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("token", out _));

        // A newer link replaces the older one.
        var email = $"{Accounts.UniqueName("links")}@example.org";
        var username = await MailRig.RegisterAsync(Server, email);
        await AskAsync(session, email);
        var first = MailRig.ResetPath(await MailRig.WaitForPickupAsync(Server, email, 1));
        await AskAsync(session, email);
        var second = MailRig.ResetPath(await MailRig.WaitForPickupAsync(Server, email, 2));
        Assert.Equal(HttpStatusCode.BadRequest, (await session.GetAsync(first)).Status);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync(second)).Status);

        // A password changed another way cancels it.
        var (code, _, err) = await MailRig.CliAsync(Server, "admin", "reset-password", "--username", username);
        Assert.True(code == 0, err);
        var cancelled = await session.GetAsync(second);
        Assert.Equal(HttpStatusCode.Gone, cancelled.Status);
        Assert.Contains("changed since", cancelled.Text("main"));

        // After an hour it expires.
        await AskAsync(session, email);
        var third = MailRig.ResetPath(await MailRig.WaitForPickupAsync(Server, email, 3));
        await using (var c = await Server.Get<Database>().OpenAsync())
        {
            var past = DateTimeOffset.UtcNow.AddHours(-2);
            await c.ExecuteAsync("UPDATE password_resets SET expires_at = @past WHERE user_id = (SELECT id FROM users WHERE username = @username)",
                new { past, username });
        }

        var expired = await session.GetAsync(third);
        Assert.Equal(HttpStatusCode.Gone, expired.Status);
        Assert.Contains("expired", expired.Text("main"));
        var post = await session.PostJsonAsync("/api/v1/auth/password-reset/confirm",
            new { token = new Uri(new Uri("http://x"), third).Query.Split('=')[1], password = "a brand new long password" });
        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
    }

    [Fact]
    public async Task The_api_resets_a_password_and_a_weak_one_is_refused_without_using_the_link()
    {
        var email = $"{Accounts.UniqueName("api")}@example.org";
        var username = await MailRig.RegisterAsync(Server, email);
        using var session = Server.NewSession();
        Assert.Equal(HttpStatusCode.Accepted, (await session.PostJsonAsync("/api/v1/auth/password-reset", new { email })).StatusCode);
        var token = MailRig.ResetPath(await MailRig.WaitForPickupAsync(Server, email)).Split("token=")[1];

        var weak = await session.PostJsonAsync("/api/v1/auth/password-reset/confirm", new { token, password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.True((await weak.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("password", out _));

        Assert.Equal(HttpStatusCode.NoContent,
            (await session.PostJsonAsync("/api/v1/auth/password-reset/confirm", new { token, password = "another long new password" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await session.PostJsonAsync("/api/v1/auth/password-reset/confirm", new { token, password = "yet another long password" })).StatusCode);
        await Accounts.TokenAsync(Server, username, "another long new password");
    }

    [Fact]
    public async Task Admins_see_the_latest_messages_of_the_pickup_folder_and_the_cli_test_writes_one()
    {
        var admin = await Accounts.CreateWithCliAsync(Server, "admin");
        var (code, output, err) = await MailRig.CliAsync(Server, "admin", "mail", "test", "--to", "someone@example.org");
        Assert.True(code == 0, err);
        Assert.Contains("pickup", output);
        var message = await MailRig.WaitForPickupAsync(Server, "someone@example.org");
        Assert.StartsWith("Test message from", message.Subject);

        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, admin);
        var page = await session.GetAsync("/admin/mail");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var row = page.Document.QuerySelectorAll(".mail-pickup tbody tr").FirstOrDefault(r => r.TextContent.Contains("someone@example.org"));
        Assert.NotNull(row);
        var view = await session.GetAsync(row.QuerySelector("a")!.GetAttribute("href")!);
        Assert.Contains("If you can read it, e-mail works", view.Text("pre"));

        using var member = Server.NewSession();
        await Accounts.SignInAsync(member, await Accounts.RegisterAsync(Server));
        Assert.NotEqual(HttpStatusCode.OK, (await member.Http.GetAsync("/admin/mail")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await session.Http.GetAsync("/admin/mail/pickup/..%2F..%2Fkindred.db")).StatusCode);
    }
}

public sealed class PasswordResetTestsOnSqlite(SqliteServer f) : PasswordResetTests<SqliteServer>(f);

public sealed class PasswordResetTestsOnPostgres(PostgresServer f) : PasswordResetTests<PostgresServer>(f);
