using Kindred.Server.Cli;
using Kindred.Server.Hosting;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;
using Kindred.Server.Configuration;

// `admin ...` and `--help` run the operator's command line; anything else starts the server.
if (AdminCli.Handles(args))
{
    return await AdminCli.RunAsync(args);
}

// A bad setting, an unwritable data directory, an unreachable database or a port in use: one line, exit code 2.
WebApplication? app = null;
try
{
    app = KindredApp.Build(args);
    await app.PrepareAsync();
    await StartupErrors.StartQuietlyAsync(app);
}
catch (OptionsValidationException ex)
{
    ConfigurationErrors.Print(ex);
    return StartupErrors.ExitCode;
}
catch (Exception ex) when (StartupErrors.TryPrint(ex, Console.Error))
{
    return StartupErrors.ExitCode;
}

await app.WaitForShutdownAsync();
await app.DisposeAsync();
return 0;

/// <summary>Entry point type, visible to tests.</summary>
public partial class Program;
