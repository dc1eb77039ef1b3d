using Kindred.Server.Cli;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Foundation;

/// <summary>The operator's command line against a real database.</summary>
public abstract class CliTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    private async Task<(int Code, string Out, string Err)> RunAsync(string stdin, params string[] args)
    {
        var all = args.Concat(Server.Settings.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}")).ToArray();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await AdminCli.RunAsync(all, new StringReader(stdin), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Create_user_without_a_password_prints_a_generated_one_that_works()
    {
        var name = Accounts.UniqueName("op");
        var (code, output, error) = await RunAsync("", "admin", "create-user", "--username", name, "--email", $"{name}@example.org", "--role", "admin");
        Assert.True(code == 0, error);
        var password = output.Split('\n').Single(l => l.StartsWith("Password", StringComparison.Ordinal)).Split(": ")[1].Trim();
        Assert.Equal(20, password.Length);
        Assert.NotEmpty(await Accounts.TokenAsync(Server, name, password));
    }

    [Fact]
    public async Task Bad_input_gets_clear_errors_and_a_nonzero_exit_code()
    {
        var name = await Accounts.RegisterAsync(Server);
        var duplicate = await RunAsync(Accounts.Password, "admin", "create-user", "--username", name.ToUpperInvariant(), "--email", "x" + name + "@example.org", "--password-stdin");
        Assert.Equal(1, duplicate.Code);
        Assert.Contains("taken", duplicate.Err);

        var weak = await RunAsync("short", "admin", "create-user", "--username", Accounts.UniqueName(), "--email", "weak@example.org", "--password-stdin");
        Assert.Equal(1, weak.Code);
        Assert.Contains("at least 10 characters", weak.Err);

        var badRole = await RunAsync("", "admin", "create-user", "--username", Accounts.UniqueName(), "--email", "r@example.org", "--role", "superuser");
        Assert.NotEqual(0, badRole.Code);

        var missing = await RunAsync("", "admin", "create-user", "--email", "r@example.org");
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("--username", missing.Err);

        var noStdin = await RunAsync("", "admin", "create-user", "--username", Accounts.UniqueName(), "--email", "s@example.org", "--password-stdin");
        Assert.Equal(1, noStdin.Code);
        Assert.Contains("standard input", noStdin.Err);
    }

    [Fact]
    public async Task Reset_password_replaces_the_password_and_unlocks()
    {
        var name = await Accounts.RegisterAsync(Server);
        var (code, _, error) = await RunAsync("a replacement passphrase", "admin", "reset-password", "--username", name, "--password-stdin");
        Assert.True(code == 0, error);
        Assert.NotEmpty(await Accounts.TokenAsync(Server, name, "a replacement passphrase"));

        var unknown = await RunAsync("", "admin", "reset-password", "--username", "no_such_person");
        Assert.Equal(1, unknown.Code);
        Assert.Contains("no account named", unknown.Err);
    }

    [Fact]
    public async Task List_users_finds_accounts_by_part_of_a_name_taking_underscores_literally()
    {
        var name = await Accounts.RegisterAsync(Server);
        var found = await RunAsync("", "admin", "list-users", "--search", name[2..^1].ToUpperInvariant());
        Assert.True(found.Code == 0, found.Err);
        var line = Assert.Single(found.Out.Split('\n'), l => l.StartsWith(name + " ", StringComparison.Ordinal));
        Assert.Contains(Roles.Member, line, StringComparison.Ordinal);
        Assert.Contains("active", line, StringComparison.Ordinal);

        // '_' is a letter in a username, not a LIKE wildcard: "x_y" must not match "xzy".
        var none = await RunAsync("", "admin", "list-users", "--search", "q_nobody_has_this_q");
        Assert.Equal(0, none.Code);
        Assert.Contains("No accounts match", none.Out, StringComparison.Ordinal);

        var admins = await RunAsync("", "admin", "list-users", "--role", Roles.Admin);
        Assert.DoesNotContain(name + " ", admins.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_role_changes_the_role_signs_the_account_out_and_never_removes_the_last_admin()
    {
        var name = await Accounts.RegisterAsync(Server);
        var web = Server.NewSession();
        await Accounts.SignInAsync(web, name);
        Assert.NotEqual(System.Net.HttpStatusCode.OK, (await web.GetAsync("/admin/helplines")).Status);

        var promoted = await RunAsync("", "admin", "set-role", "--username", name, "--role", Roles.Admin);
        Assert.True(promoted.Code == 0, promoted.Err);
        Assert.Contains("now admin", promoted.Out, StringComparison.Ordinal);
        // The old session (role member) is gone; signed in again, the account is an admin.
        Assert.NotEqual(System.Net.HttpStatusCode.OK, (await web.GetAsync("/admin/helplines")).Status);
        var again = Server.NewSession();
        await Accounts.SignInAsync(again, name);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await again.GetAsync("/admin/helplines")).Status);

        // Demote every other admin; the last one cannot be demoted.
        var others = (await RunAsync("", "admin", "list-users", "--role", Roles.Admin, "--status", "active")).Out.Split('\n')
            .Skip(1).Select(l => l.Split(' ')[0]).Where(u => u.Length > 0 && u != name && !u.StartsWith('(')).ToList();
        foreach (var other in others)
        {
            Assert.Equal(0, (await RunAsync("", "admin", "set-role", "--username", other, "--role", Roles.Member)).Code);
        }

        var last = await RunAsync("", "admin", "set-role", "--username", name, "--role", Roles.Member);
        Assert.Equal(1, last.Code);
        Assert.Contains("only active admin", last.Err, StringComparison.Ordinal);
        Assert.Contains(name + " ", (await RunAsync("", "admin", "list-users", "--role", Roles.Admin)).Out, StringComparison.Ordinal);

        foreach (var other in others)
        {
            Assert.Equal(0, (await RunAsync("", "admin", "set-role", "--username", other, "--role", Roles.Admin)).Code);
        }

        var unknown = await RunAsync("", "admin", "set-role", "--username", "no_such_person", "--role", Roles.Member);
        Assert.Equal(1, unknown.Code);
        Assert.Contains("no account named", unknown.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_reports_an_up_to_date_database()
    {
        var (code, output, _) = await RunAsync("", "admin", "migrate");
        Assert.Equal(0, code);
        Assert.Contains("up to date", output);
    }

    [Fact]
    public async Task Every_command_has_help()
    {
        foreach (var command in new[] { new[] { "--help" }, ["admin", "--help"], ["admin", "create-user", "--help"], ["admin", "reset-password", "--help"], ["admin", "migrate", "--help"], ["admin", "list-users", "--help"], ["admin", "set-role", "--help"] })
        {
            var (code, output, _) = await RunAsync("", command);
            Assert.Equal(0, code);
            Assert.Contains("Usage:", output);
        }

        var (_, adminHelp, _) = await RunAsync("", "admin", "--help");
        Assert.Contains("create-user", adminHelp);
        Assert.Contains("reset-password", adminHelp);
        Assert.Contains("migrate", adminHelp);
    }
}

public sealed class CliTestsOnSqlite(SqliteServer f) : CliTests<SqliteServer>(f);

public sealed class CliTestsOnPostgres(PostgresServer f) : CliTests<PostgresServer>(f);
