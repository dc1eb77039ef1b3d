using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kindred.Server.Features.Admin;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Foundation;

/// <summary>POST /api/v1/accounts in every registration mode, and its answers to bad input.</summary>
public abstract class RegistrationApiTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    private async Task SetModeAsync(string mode)
    {
        var settings = Server.Get<InstanceSettings>();
        await settings.SaveAsync(await settings.GetAsync() with { RegistrationMode = mode });
    }

    private static object Body(string username, string? inviteCode = null, bool consent = true, string? email = null) => new
    {
        username,
        email = email ?? $"{username}@example.org",
        password = Accounts.Password,
        acceptGuidelines = true,
        consentToProcessing = consent,
        confirmAge = true,
        inviteCode,
    };

    [Fact]
    public async Task Open_mode_creates_an_active_account_and_records_consent()
    {
        await SetModeAsync("open");
        using var session = Server.NewSession();
        var name = Accounts.UniqueName();
        var response = await session.PostJsonAsync("/api/v1/accounts", Body(name));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(name, created.GetProperty("username").GetString());
        Assert.Equal("active", created.GetProperty("status").GetString());

        var token = await Accounts.TokenAsync(Server, name);
        var me = await (await session.GetWithTokenAsync("/api/v1/accounts/me", token)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(name, me.GetProperty("username").GetString());
        Assert.Equal("v1", me.GetProperty("guidelinesVersion").GetString());
        Assert.Equal("2026-11", me.GetProperty("consentVersion").GetString());
        var consentAt = me.GetProperty("consentGivenAt").GetDateTimeOffset();
        Assert.InRange(consentAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Missing_consent_and_bad_fields_give_400_with_field_errors_and_nothing_is_stored()
    {
        await SetModeAsync("open");
        using var session = Server.NewSession();
        var response = await session.PostJsonAsync("/api/v1/accounts", new { username = "x", email = "not-an-email", password = "short", acceptGuidelines = false, consentToProcessing = false });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "username", "email", "password", "acceptGuidelines", "consentToProcessing", "confirmAge" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {problem}");
        }

        var name = Accounts.UniqueName();
        var noConsent = await session.PostJsonAsync("/api/v1/accounts", Body(name, consent: false));
        Assert.Equal(HttpStatusCode.BadRequest, noConsent.StatusCode);
        // Nothing half-written: the name is still free.
        Assert.Equal(HttpStatusCode.Created, (await session.PostJsonAsync("/api/v1/accounts", Body(name))).StatusCode);
    }

    [Fact]
    public async Task Duplicate_usernames_and_emails_are_caught_case_insensitively()
    {
        await SetModeAsync("open");
        using var session = Server.NewSession();
        var name = Accounts.UniqueName();
        Assert.Equal(HttpStatusCode.Created, (await session.PostJsonAsync("/api/v1/accounts", Body(name))).StatusCode);

        var sameName = await session.PostJsonAsync("/api/v1/accounts", Body(name.ToUpperInvariant(), email: "other-" + name + "@example.org"));
        Assert.Equal(HttpStatusCode.BadRequest, sameName.StatusCode);
        Assert.True((await sameName.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("username", out _));

        var sameEmail = await session.PostJsonAsync("/api/v1/accounts", Body(Accounts.UniqueName(), email: $"{name.ToUpperInvariant()}@EXAMPLE.org"));
        Assert.Equal(HttpStatusCode.BadRequest, sameEmail.StatusCode);
        Assert.True((await sameEmail.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("email", out _));
    }

    [Fact]
    public async Task Reserved_names_are_refused()
    {
        await SetModeAsync("open");
        using var session = Server.NewSession();
        var response = await session.PostJsonAsync("/api/v1/accounts", Body("Admin", email: Accounts.UniqueName() + "@example.org"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Closed_mode_answers_403()
    {
        await SetModeAsync("closed");
        using var session = Server.NewSession();
        var response = await session.PostJsonAsync("/api/v1/accounts", Body(Accounts.UniqueName()));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await SetModeAsync("open");
    }

    [Fact]
    public async Task Approval_mode_answers_202_and_the_account_waits_until_an_admin_approves()
    {
        await SetModeAsync("approval");
        using var session = Server.NewSession();
        var name = Accounts.UniqueName();
        var response = await session.PostJsonAsync("/api/v1/accounts", Body(name));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("pending", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        var token = await session.PostJsonAsync("/api/v1/auth/token", new { username = name, password = Accounts.Password });
        Assert.Equal(HttpStatusCode.Forbidden, token.StatusCode);

        var pending = await Server.Get<Features.Accounts.UserStore>().ListPendingAsync();
        Assert.True(await Server.Get<Features.Accounts.UserStore>().ApproveAsync(pending.Single(u => u.Username == name).Id));
        Assert.NotEmpty(await Accounts.TokenAsync(Server, name));
        await SetModeAsync("open");
    }

    [Fact]
    public async Task Invite_mode_needs_a_valid_code_and_each_use_counts()
    {
        await SetModeAsync("invite");
        using var session = Server.NewSession();
        var admin = await Accounts.CreateWithCliAsync(Server, "admin");
        var adminUser = await Server.Get<Features.Accounts.UserStore>().FindByUsernameAsync(admin);
        var invite = await Server.Get<Invites>().CreateAsync(adminUser!.Id, maxUses: 1, validDays: 7, note: null);

        var noCode = await session.PostJsonAsync("/api/v1/accounts", Body(Accounts.UniqueName()));
        Assert.Equal(HttpStatusCode.BadRequest, noCode.StatusCode);
        var wrongCode = await session.PostJsonAsync("/api/v1/accounts", Body(Accounts.UniqueName(), "WRONGCODE123"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongCode.StatusCode);
        Assert.True((await wrongCode.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("inviteCode", out _));

        Assert.Equal(HttpStatusCode.Created, (await session.PostJsonAsync("/api/v1/accounts", Body(Accounts.UniqueName(), invite.Code.ToLowerInvariant()))).StatusCode);
        // Used up.
        Assert.Equal(HttpStatusCode.BadRequest, (await session.PostJsonAsync("/api/v1/accounts", Body(Accounts.UniqueName(), invite.Code))).StatusCode);
        await SetModeAsync("open");
    }

    [Fact]
    public async Task Malformed_and_oversized_bodies_are_refused()
    {
        using var session = Server.NewSession();
        var malformed = await session.Http.PostAsync("/api/v1/accounts", new StringContent("{\"username\": ", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        var huge = new string('a', 2_000_000);
        // Expect: 100-continue, as careful clients send large bodies: the server refuses on the declared length
        // before any of the body is sent, so the client reads the 413 instead of a reset while still uploading.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/accounts")
        {
            Content = new StringContent($"{{\"username\":\"{huge}\"}}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;
        var oversized = await session.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
    }
}

public sealed class RegistrationApiTestsOnSqlite(SqliteServer f) : RegistrationApiTests<SqliteServer>(f);

public sealed class RegistrationApiTestsOnPostgres(PostgresServer f) : RegistrationApiTests<PostgresServer>(f);
