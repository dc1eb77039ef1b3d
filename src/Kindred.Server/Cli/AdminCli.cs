using System.CommandLine;
using System.Security.Cryptography;
using Kindred.Server.Data;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Hosting;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;
using Kindred.Server.Configuration;

namespace Kindred.Server.Cli;

/// <summary>
/// The operator's command line: <c>admin create-user</c>, <c>admin reset-password</c>, <c>admin migrate</c>.
/// Uses the same configuration as the server, so it talks to the same database.
/// </summary>
public static class AdminCli
{
    public static bool Handles(string[] args) =>
        args.Length > 0 && args[0] is "admin" or "--help" or "-h" or "-?" or "--version";

    public static async Task<int> RunAsync(string[] args, TextReader? stdin = null, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        // Configuration overrides (--Kindred:Database:Provider=postgres) go to the host, the rest to the command parser.
        var configArgs = args.Where(IsConfigArgument).ToArray();
        args = args.Where(a => !IsConfigArgument(a)).ToArray();
        stdin ??= Console.In;
        stdout ??= Console.Out;
        stderr ??= Console.Error;

        var root = new RootCommand("Kindred, a federated peer-support community server. Run without arguments to start the server.");
        var admin = new Command("admin", "Administration tasks for the instance's operator.");
        root.Subcommands.Add(admin);

        var username = new Option<string>("--username") { Description = "The account's username.", Required = true };
        var email = new Option<string>("--email") { Description = "The account's e-mail address.", Required = true };
        var role = new Option<string>("--role") { Description = "member, moderator or admin.", DefaultValueFactory = _ => Roles.Member };
        role.AcceptOnlyFromAmong(Roles.All);
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input instead of generating one." };

        var createUser = new Command("create-user", "Create an active account (e.g. the first admin). Without --password-stdin a strong password is generated and printed once.")
        {
            username, email, role, passwordStdin,
        };
        createUser.SetAction((parse, ct) => WithServices(configArgs, stderr, async services =>
        {
            var password = await ReadOrGeneratePasswordAsync(parse.GetValue(passwordStdin), stdin, stdout, stderr);
            if (password is null)
            {
                return 1;
            }

            var u = parse.GetValue(username)!;
            var e = parse.GetValue(email)!;
            var problems = new[] { AccountRules.ValidateUsername(u), AccountRules.ValidateEmail(e), AccountRules.ValidatePassword(password, u) }
                .Where(p => p is not null).ToList();
            if (problems.Count > 0)
            {
                foreach (var p in problems)
                {
                    await stderr.WriteLineAsync("error: " + p);
                }

                return 1;
            }

            var result = await CreateUserAsync(services, u, e, parse.GetValue(role)!, password, ct);
            if (result is not null)
            {
                await stderr.WriteLineAsync("error: " + result);
                return 1;
            }

            await stdout.WriteLineAsync($"Created {parse.GetValue(role)} '{u}'.");
            if (!parse.GetValue(passwordStdin))
            {
                await stdout.WriteLineAsync($"Password (shown once, store it safely): {password}");
            }

            return 0;
        }));
        admin.Subcommands.Add(createUser);

        var resetUser = new Option<string>("--username") { Description = "The account whose password to reset.", Required = true };
        var resetStdin = new Option<bool>("--password-stdin") { Description = "Read the new password from standard input instead of generating one." };
        var resetPassword = new Command("reset-password", "Set a new password, unlock the account and sign it out everywhere.") { resetUser, resetStdin };
        resetPassword.SetAction((parse, ct) => WithServices(configArgs, stderr, async services =>
        {
            var users = services.GetRequiredService<UserStore>();
            var user = await users.FindByUsernameAsync(parse.GetValue(resetUser)!, ct);
            if (user is null)
            {
                await stderr.WriteLineAsync($"error: there is no account named '{parse.GetValue(resetUser)}'.");
                return 1;
            }

            var password = await ReadOrGeneratePasswordAsync(parse.GetValue(resetStdin), stdin, stdout, stderr);
            if (password is null)
            {
                return 1;
            }

            if (AccountRules.ValidatePassword(password, user.Username) is { } problem)
            {
                await stderr.WriteLineAsync("error: " + problem);
                return 1;
            }

            await users.SetPasswordAsync(user.Id, services.GetRequiredService<PasswordHasher>().Hash(password), ct);
            await stdout.WriteLineAsync($"Password for '{user.Username}' reset; the account is unlocked and signed out everywhere.");
            if (!parse.GetValue(resetStdin))
            {
                await stdout.WriteLineAsync($"New password (shown once): {password}");
            }

            return 0;
        }));
        admin.Subcommands.Add(resetPassword);

        var suspendUser = new Option<string>("--username") { Description = "The local account to suspend.", Required = true };
        var suspendReason = new Option<string>("--reason") { Description = "Why (kept in the moderation log).", Required = true };
        var suspendUntil = new Option<DateTimeOffset?>("--until") { Description = "When the suspension ends (e.g. 2027-01-31T00:00:00Z); leave out for until lifted." };
        var suspend = new Command("suspend", "Suspend a local account: it cannot sign in and is signed out everywhere.") { suspendUser, suspendReason, suspendUntil };
        suspend.SetAction((parse, ct) => WithServices(configArgs, stderr, async services =>
        {
            if (await services.GetRequiredService<UserStore>().FindByUsernameAsync(parse.GetValue(suspendUser)!, ct) is not { } user)
            {
                await stderr.WriteLineAsync($"error: there is no account named '{parse.GetValue(suspendUser)}'.");
                return 1;
            }

            var result = await services.GetRequiredService<Suspensions>().SuspendAsync(user.Id, Guid.Empty, parse.GetValue(suspendReason), parse.GetValue(suspendUntil), ct);
            if (!result.Ok)
            {
                await stderr.WriteLineAsync("error: " + (result.Errors.Count > 0 ? string.Join(" ", result.Errors.Values) : result.Message));
                return 1;
            }

            await stdout.WriteLineAsync($"Suspended '{user.Username}'{(result.Value!.SuspendedUntil is { } until ? $" until {until:u}" : "")}; signed out everywhere.");
            return 0;
        }));
        admin.Subcommands.Add(suspend);

        var unsuspendUser = new Option<string>("--username") { Description = "The local account whose suspension to lift.", Required = true };
        var unsuspend = new Command("unsuspend", "Lift a local account's suspension.") { unsuspendUser };
        unsuspend.SetAction((parse, ct) => WithServices(configArgs, stderr, async services =>
        {
            if (await services.GetRequiredService<UserStore>().FindByUsernameAsync(parse.GetValue(unsuspendUser)!, ct) is not { } user)
            {
                await stderr.WriteLineAsync($"error: there is no account named '{parse.GetValue(unsuspendUser)}'.");
                return 1;
            }

            var result = await services.GetRequiredService<Suspensions>().UnsuspendAsync(user.Id, Guid.Empty, ct);
            if (!result.Ok)
            {
                await stderr.WriteLineAsync("error: " + result.Message);
                return 1;
            }

            await stdout.WriteLineAsync($"'{user.Username}' is no longer suspended.");
            return 0;
        }));
        admin.Subcommands.Add(unsuspend);

        var migrate = new Command("migrate", "Apply database migrations (the server also does this when it starts).");
        migrate.SetAction((parse, ct) => WithServices(configArgs, stderr, async services =>
        {
            var applied = await services.GetRequiredService<Migrator>().MigrateAsync(ct);
            await services.VerifyKeyRingAsync(services.GetRequiredService<ILoggerFactory>().CreateLogger("Kindred"), ct);
            await stdout.WriteLineAsync(applied.Count == 0
                ? "The database is up to date."
                : $"Applied {applied.Count} migration(s): {string.Join(", ", applied.Select(m => $"{m.Version:D4}_{m.Name}"))}.");
            return 0;
        }, checkSchema: false));
        admin.Subcommands.Add(migrate);

        BackupCommands.AddTo(admin, configArgs, stdout, stderr);
        UserCommands.AddTo(admin, configArgs, stdout, stderr);
        KeyCommands.AddTo(admin, configArgs, stdout, stderr);
        MailCommands.AddTo(admin, configArgs, stdout, stderr, (config, err, action) => WithServices(config, err, action));
        DataRightsCommands.AddTo(admin, configArgs, stdout, stderr);
        DomainBlockCommands.AddTo(admin, stdout, stderr, action => WithServices(configArgs, stderr, action));

        var config = new InvocationConfiguration { Output = stdout, Error = stderr };
        return await root.Parse(args).InvokeAsync(config);
    }

    private static bool IsConfigArgument(string a)
    {
        var eq = a.IndexOf('=', StringComparison.Ordinal);
        var colon = a.IndexOf(':', StringComparison.Ordinal);
        return a.StartsWith("--", StringComparison.Ordinal) && colon > 0 && (eq < 0 || colon < eq);
    }

    /// <summary>
    /// Runs a command with the server's services. Only <c>admin migrate</c> changes the schema: every other command needs the
    /// schema this version knows (<paramref name="checkSchema"/>) and stops with "run admin migrate" otherwise.
    /// </summary>
    internal static async Task<int> WithServices(string[] configArgs, TextWriter stderr, Func<IServiceProvider, Task<int>> action, bool checkSchema = true)
    {
        try
        {
            await using var app = KindredApp.Build(configArgs);
            _ = app.Services.GetRequiredService<IOptions<KindredOptions>>().Value;
            if (checkSchema)
            {
                await app.Services.GetRequiredService<Migrator>().EnsureCurrentAsync();
                await app.Services.VerifyKeyRingAsync(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Kindred"));
            }

            return await action(app.Services);
        }
        catch (OptionsValidationException ex)
        {
            ConfigurationErrors.Print(ex);
            return 2;
        }
        catch (System.Data.Common.DbException ex)
        {
            await stderr.WriteLineAsync("error: the database could not be reached or updated: " + ex.Message);
            return 3;
        }
        catch (Exception ex) when (StartupErrors.Describe(ex) is { } line)
        {
            await stderr.WriteLineAsync(line);
            return StartupErrors.ExitCode;
        }
    }

    private static async Task<string?> ReadOrGeneratePasswordAsync(bool fromStdin, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (!fromStdin)
        {
            return GeneratePassword();
        }

        var line = await stdin.ReadLineAsync();
        if (string.IsNullOrEmpty(line))
        {
            await stderr.WriteLineAsync("error: --password-stdin was given but no password arrived on standard input.");
            return null;
        }

        return line;
    }

    /// <summary>20 characters from a 56-symbol alphabet: about 116 bits, comfortably beyond guessing.</summary>
    public static string GeneratePassword()
    {
        const string alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return string.Create(20, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
            }
        });
    }

    private static async Task<string?> CreateUserAsync(IServiceProvider services, string username, string email, string role, string password, CancellationToken ct)
    {
        var db = services.GetRequiredService<Database>();
        var time = services.GetRequiredService<TimeProvider>();
        var now = time.GetUtcNow();
        var user = new User
        {
            Id = Ids.New(time),
            Username = username.Trim(),
            Email = email.Trim(),
            PasswordHash = services.GetRequiredService<PasswordHasher>().Hash(password),
            Role = role,
            Status = AccountStatus.Active,
            SecurityStamp = UserStore.NewSecurityStamp(),
            CreatedAt = now,
            // Created by the operator, not through the registration form: recorded as such.
            GuidelinesVersion = "operator",
            GuidelinesAcceptedAt = now,
            ConsentVersion = "operator",
            ConsentGivenAt = now,
        };
        return await db.InTransactionAsync(async (c, tx) =>
        {
            var conflicts = await UserStore.FindConflictsAsync(c, tx, user.Username, user.Email);
            if (conflicts.Count > 0)
            {
                return string.Join(" ", conflicts.Values);
            }

            await UserStore.InsertAsync(c, tx, user, null);
            return (string?)null;
        }, ct);
    }
}
