using System.Net;
using Kindred.Server.Data.Jobs;
using Kindred.Server.Tests.TestRig;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;

namespace Kindred.Server.Tests.Mail;

/// <summary>
/// Mail through a real SMTP server on loopback (<see cref="LoopbackSmtp"/>), on both databases and a fake clock: a relay
/// that is down is retried until it is up and the message arrives once; a permanent refusal gives up with its reason,
/// shown to admins; <c>admin mail test</c> says what failed.
/// </summary>
public abstract class SmtpMailTests<T>(T fixture) : IClassFixture<T> where T : SmtpServerFixture
{
    private KindredTestServer Server => fixture.Server;
    private LoopbackSmtp Smtp => fixture.Smtp;

    private async Task RequestResetAsync(string email)
    {
        using var session = Server.NewSession();
        Assert.Equal(HttpStatusCode.Accepted, (await session.PostJsonAsync("/api/v1/auth/password-reset", new { email })).StatusCode);
    }

    /// <summary>Moves past any retry delay (the queue's longest is 6 hours) and wakes the worker.</summary>
    private void PassRetryDelay()
    {
        fixture.Clock.Advance(TimeSpan.FromHours(7));
        Server.Get<JobSignal>().Wake();
    }

    [Fact]
    public async Task A_relay_that_is_down_is_retried_and_the_message_arrives_once_when_it_is_up()
    {
        await Smtp.DownAsync();
        var email = $"{Accounts.UniqueName("down")}@example.org";
        await MailRig.RegisterAsync(Server, email);
        await RequestResetAsync(email);

        await Eventually.UntilAsync("a failed attempt that will be retried", async () =>
            (await MailRig.MailJobsAsync(Server)).Any(j => j.State == "queued" && j.Attempts >= 1 && j.LastError?.Contains("connection refused") == true),
            () => MailRig.JobsAsync(Server));
        Assert.Empty(Smtp.To(email));

        await Smtp.UpAsync();
        PassRetryDelay();
        await Eventually.UntilAsync("the message at the relay", () => Smtp.To(email).Count > 0, () => MailRig.JobsAsync(Server));
        await Eventually.UntilAsync("the job done", async () => (await MailRig.MailJobsAsync(Server)).All(j => j.State != "queued" && j.State != "running"),
            () => MailRig.JobsAsync(Server));
        PassRetryDelay();
        await Eventually.UntilAsync("the worker idle", async () => (await MailRig.MailJobsAsync(Server)).All(j => j.State is "done" or "failed"));

        var message = Assert.Single(Smtp.To(email));
        Assert.Contains("/password-reset/confirm?token=", message.TextBody);
        Assert.EndsWith("@127.0.0.1", message.MessageId, StringComparison.Ordinal);
        Assert.Equal("no-reply@kindred.test", message.From.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task A_permanent_refusal_gives_up_with_the_reason_for_admins()
    {
        await Smtp.UpAsync();
        var email = $"refuse-{Accounts.UniqueName()}@example.org";
        await MailRig.RegisterAsync(Server, email);
        await RequestResetAsync(email);

        await Eventually.UntilAsync("the message given up", async () => (await MailRig.MailJobsAsync(Server)).Any(j => j.State == "failed"),
            () => MailRig.JobsAsync(Server));
        var failed = (await MailRig.MailJobsAsync(Server)).Single(j => j.State == "failed");
        Assert.Equal(1, failed.Attempts);
        Assert.Contains("550", failed.LastError);
        Assert.Contains("recipient", failed.LastError);

        var admin = await Accounts.CreateWithCliAsync(Server, "admin");
        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, admin);
        var page = await session.GetAsync("/admin/mail");
        var row = page.Document.QuerySelectorAll(".mail-jobs tbody tr").Single(r => r.TextContent.Contains(email));
        Assert.Contains("Given up", row.TextContent);
        Assert.Contains("550", row.TextContent);
    }

    [Fact]
    public async Task The_cli_test_sends_through_the_relay_and_says_what_failed()
    {
        await Smtp.UpAsync();
        var (code, output, err) = await MailRig.CliAsync(Server, "admin", "mail", "test", "--to", "admin-test@example.org");
        Assert.True(code == 0, err);
        Assert.Contains($"{Smtp.Host}:{Smtp.Port}", output);
        Assert.Single(Smtp.To("admin-test@example.org"));

        (code, _, err) = await MailRig.CliAsync(Server, "admin", "mail", "test", "--to", "refuse-me@example.org");
        Assert.Equal(1, code);
        Assert.Contains("refused the recipient with 550", err);

        (code, _, err) = await MailRig.CliAsync(Server, "admin", "mail", "test", "--to", "not an address");
        Assert.Equal(1, code);
        Assert.Contains("--to", err);

        await Smtp.DownAsync();
        (code, _, err) = await MailRig.CliAsync(Server, "admin", "mail", "test", "--to", "admin-test@example.org");
        Assert.Equal(1, code);
        Assert.Contains($"connection refused: nothing answers at {Smtp.Host}:{Smtp.Port}", err);
    }
}

/// <summary>A server whose mail goes to a <see cref="LoopbackSmtp"/> (down until a test starts it), on a fake clock.</summary>
public abstract class SmtpServerFixture : ServerFixture, IFakeClock, IAsyncLifetime
{
    ValueTask IAsyncLifetime.InitializeAsync() => InitializeAsync();

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        await Smtp.DisposeAsync();
    }

    public LoopbackSmtp Smtp { get; } = new();

    public FakeTimeProvider Clock { get; } = FakeClock.StartingNow();

    protected override void Configure(Dictionary<string, string?> settings) => Smtp.Configure(settings);

    protected override void ConfigureBuilder(WebApplicationBuilder builder) => FakeClock.Use(builder, Clock);
}

public sealed class SmtpSqliteServer : SmtpServerFixture
{
    public override DatabaseKind Database => DatabaseKind.Sqlite;
}

public sealed class SmtpPostgresServer : SmtpServerFixture
{
    public override DatabaseKind Database => DatabaseKind.Postgres;
}

public sealed class SmtpMailTestsOnSqlite(SmtpSqliteServer f) : SmtpMailTests<SmtpSqliteServer>(f);

public sealed class SmtpMailTestsOnPostgres(SmtpPostgresServer f) : SmtpMailTests<SmtpPostgresServer>(f);
