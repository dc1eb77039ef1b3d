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

WebApplication app;
try
{
    app = KindredApp.Build(args);
    await app.PrepareAsync();
}
catch (OptionsValidationException ex)
{
    ConfigurationErrors.Print(ex);
    return 2;
}

await app.RunAsync();
return 0;

/// <summary>Entry point type, visible to tests.</summary>
public partial class Program;
