using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Mail;

/// <summary>A changed e-mail address is used only once confirmed through a link sent to it; the old address is told.</summary>
public abstract partial class EmailChangeTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    private static async Task<string> EmailOfAsync(KindredTestServer server, string token)
    {
        using var api = server.NewSession();
        var me = await (await api.GetWithTokenAsync("/api/v1/accounts/me", token)).Content.ReadFromJsonAsync<JsonElement>();
        return me.GetProperty("email").GetString()!;
    }

    [GeneratedRegex(@"https?://\S+/account/email/confirm\?token=[A-Za-z0-9_-]+")]
    private static partial Regex ConfirmLink();

    [Fact]
    public async Task A_new_address_is_used_only_once_confirmed_and_the_old_one_is_told()
    {
        var oldEmail = $"{Accounts.UniqueName("old")}@example.org";
        var newEmail = $"{Accounts.UniqueName("new")}@example.org";
        var username = await MailRig.RegisterAsync(Server, oldEmail);
        var token = await Accounts.TokenAsync(Server, username);
        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, username);

        var asked = await session.SubmitAsync("/account", "/account/email", new Dictionary<string, string> { ["email"] = newEmail, ["password"] = Accounts.Password });
        Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);
        Assert.Equal("/account?notice=email-confirm-sent", asked.Headers.Location?.OriginalString);
        Assert.Equal(oldEmail, await EmailOfAsync(Server, token));

        // Until confirmed, a reset link for the new address goes nowhere; the old address still works.
        Assert.Equal(HttpStatusCode.Accepted, (await session.PostJsonAsync("/api/v1/auth/password-reset", new { email = newEmail })).StatusCode);
        var message = await MailRig.WaitForPickupAsync(Server, newEmail);
        Assert.Contains("Confirm your new e-mail address", message.Subject);
        Assert.DoesNotContain(MailRig.Pickup(Server, newEmail), m => (m.Subject ?? "").Contains("Reset", StringComparison.Ordinal));

        var link = new Uri(ConfirmLink().Match(message.TextBody ?? "").Value).PathAndQuery;
        // Opening the link (as a mail scanner would) changes nothing; the button does, even signed out.
        using var phone = Server.NewSession();
        var page = await phone.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(oldEmail, await EmailOfAsync(Server, token));
        var confirmed = await phone.SubmitAsync(page, "/account/email/confirm", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);
        Assert.Equal(newEmail, await EmailOfAsync(Server, token));

        var told = await MailRig.WaitForPickupAsync(Server, oldEmail);
        Assert.Contains("was changed", told.Subject);
        Assert.Contains(newEmail[0] + "***@example.org", told.TextBody);
        Assert.DoesNotContain(newEmail, told.TextBody);

        // The link worked once.
        var again = await phone.GetAsync(link);
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Contains("no longer works", again.Text("main"));
    }

    [Fact]
    public async Task An_address_another_account_uses_is_refused_and_a_made_up_link_changes_nothing()
    {
        var taken = $"{Accounts.UniqueName("taken")}@example.org";
        await MailRig.RegisterAsync(Server, taken);
        var username = await MailRig.RegisterAsync(Server, $"{Accounts.UniqueName("mine")}@example.org");
        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, username);
        var refused = await WebSession.ParseAsync(await session.SubmitAsync("/account", "/account/email",
            new Dictionary<string, string> { ["email"] = taken.ToUpperInvariant(), ["password"] = Accounts.Password }));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("Another account", refused.Text("#email-error"));

        var forged = await session.GetAsync("/account/email/confirm?token=made-up");
        Assert.Equal(HttpStatusCode.BadRequest, forged.Status);
    }
}

public sealed class EmailChangeTestsOnSqlite(SqliteServer f) : EmailChangeTests<SqliteServer>(f);

public sealed class EmailChangeTestsOnPostgres(PostgresServer f) : EmailChangeTests<PostgresServer>(f);
