using System.CommandLine;
using Kindred.Server.Data;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Features.DataRights;

namespace Kindred.Server.Cli;

/// <summary><c>admin export-account</c>: the data export a member can ask for, written to a file by the operator (issue 14).</summary>
public static class DataRightsCommands
{
    public static void AddTo(Command admin, string[] configArgs, TextWriter stdout, TextWriter stderr)
    {
        var username = new Option<string>("--username") { Description = "The account to export.", Required = true };
        var output = new Option<string>("--output") { Description = "The ZIP file to write (it must not exist yet).", Required = true };
        var export = new Command("export-account", "Write everything an account wrote (the same ZIP the member can download) to a file.") { username, output };
        export.SetAction((parse, ct) => AdminCli.WithServices(configArgs, stderr, async services =>
        {
            var user = await services.GetRequiredService<UserStore>().FindByUsernameAsync(parse.GetValue(username)!, ct);
            if (user is null)
            {
                await stderr.WriteLineAsync($"error: there is no account named '{parse.GetValue(username)}'.");
                return 1;
            }

            var path = Path.GetFullPath(parse.GetValue(output)!);
            if (File.Exists(path))
            {
                await stderr.WriteLineAsync($"error: {path} already exists; choose another file name.");
                return 1;
            }

            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            await using (var c = await services.GetRequiredService<Database>().OpenAsync(ct))
            {
                await services.GetRequiredService<ExportArchive>().WriteAsync(c, user.Id, file, ct: ct);
            }

            await stdout.WriteLineAsync($"Exported '{user.Username}' to {path}. It may hold health-related data: keep it safe and delete it once handed over.");
            return 0;
        }));
        admin.Subcommands.Add(export);

        var eraseUser = new Option<string>("--username") { Description = "The account to erase.", Required = true };
        var yes = new Option<bool>("--yes") { Description = "Confirm: erase the account and everything it wrote now, with no grace period." };
        var erase = new Command("erase-account", "Erase an account now (posts, reactions, memberships; a Delete to other servers), as if the member had asked.")
        {
            eraseUser, yes,
        };
        erase.SetAction((parse, ct) => AdminCli.WithServices(configArgs, stderr, async services =>
        {
            var user = await services.GetRequiredService<UserStore>().FindByUsernameAsync(parse.GetValue(eraseUser)!, ct);
            if (user is null)
            {
                await stderr.WriteLineAsync($"error: there is no account named '{parse.GetValue(eraseUser)}'.");
                return 1;
            }

            if (!parse.GetValue(yes))
            {
                await stderr.WriteLineAsync($"error: erasing '{user.Username}' cannot be undone; run again with --yes to confirm.");
                return 1;
            }

            var erasure = await services.GetRequiredService<AccountErasures>().RequestAsync(user.Id, byAdmin: true, grace: TimeSpan.Zero, ct: ct);
            await stdout.WriteLineAsync($"Erasure of '{user.Username}' started ({erasure.State}); the server finishes it in the background. " +
                                        "Follow it on /admin/erasures.");
            return 0;
        }));
        admin.Subcommands.Add(erase);
    }
}
