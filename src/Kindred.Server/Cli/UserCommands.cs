using System.CommandLine;
using System.Globalization;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Web;

namespace Kindred.Server.Cli;

/// <summary>
/// <c>admin list-users [--search TEXT] [--role ROLE] [--status STATUS]</c> and <c>admin set-role --username NAME --role ROLE</c>:
/// what operators of other fediverse servers expect from their command line (tootctl accounts, gotosocial admin account).
/// </summary>
public static class UserCommands
{
    public static void AddTo(Command admin, string[] configArgs, TextWriter stdout, TextWriter stderr)
    {
        var search = new Option<string?>("--search") { Description = "Part of a username or e-mail address." };
        var role = new Option<string?>("--role") { Description = "Only accounts with this role: member, moderator or admin." };
        role.AcceptOnlyFromAmong(Roles.All);
        var status = new Option<string?>("--status") { Description = "Only accounts with this status, e.g. active or pending." };
        var limit = new Option<int>("--limit") { Description = "At most this many accounts (default 100).", DefaultValueFactory = _ => 100 };
        var list = new Command("list-users", "List accounts: username, role, status, e-mail, created and last sign-in (UTC).") { search, role, status, limit };
        list.SetAction((parse, ct) => AdminCli.WithServices(configArgs, stderr, async services =>
        {
            var max = parse.GetValue(limit);
            if (max is < 1 or > 10_000)
            {
                await stderr.WriteLineAsync("error: --limit must be between 1 and 10000.");
                return 1;
            }

            var accounts = await services.GetRequiredService<UserStore>().ListAsync(parse.GetValue(search), parse.GetValue(role), parse.GetValue(status), max, ct);
            if (accounts.Count == 0)
            {
                await stdout.WriteLineAsync("No accounts match.");
                return 0;
            }

            await stdout.WriteLineAsync($"{"USERNAME",-24} {"ROLE",-10} {"STATUS",-9} {"CREATED",-17} {"LAST SIGN-IN",-17} E-MAIL");
            foreach (var a in accounts)
            {
                await stdout.WriteLineAsync(
                    $"{a.Username,-24} {a.Role,-10} {a.Status,-9} {Time(a.CreatedAt),-17} {(a.LastSignInAt is { } at ? Time(at) : "never"),-17} {a.Email}");
            }

            if (accounts.Count == max)
            {
                await stdout.WriteLineAsync($"(first {max}; narrow with --search or raise --limit)");
            }

            return 0;
        }));
        admin.Subcommands.Add(list);

        var username = new Option<string>("--username") { Description = "The account to change.", Required = true };
        var newRole = new Option<string>("--role") { Description = "member, moderator or admin.", Required = true };
        newRole.AcceptOnlyFromAmong(Roles.All);
        var setRole = new Command("set-role", "Change an account's instance role. The account is signed out everywhere, so the new role applies at its next sign-in.")
        {
            username, newRole,
        };
        setRole.SetAction((parse, ct) => AdminCli.WithServices(configArgs, stderr, async services =>
        {
            var users = services.GetRequiredService<UserStore>();
            var user = await users.FindByUsernameAsync(parse.GetValue(username)!, ct);
            if (user is null)
            {
                await stderr.WriteLineAsync($"error: there is no account named '{parse.GetValue(username)}'.");
                return 1;
            }

            var to = parse.GetValue(newRole)!;
            if (user.Role == to)
            {
                await stdout.WriteLineAsync($"'{user.Username}' is already {to}; nothing changed.");
                return 0;
            }

            if (!await users.ChangeRoleAsync(user.Id, to, ct))
            {
                await stderr.WriteLineAsync($"error: '{user.Username}' is the only active admin; make another account admin first, or nobody could run the instance.");
                return 1;
            }

            await stdout.WriteLineAsync($"'{user.Username}' is now {to} (was {user.Role}); signed out everywhere.");
            return 0;
        }));
        admin.Subcommands.Add(setRole);
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
