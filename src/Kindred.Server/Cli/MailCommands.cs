using System.CommandLine;
using Kindred.Server.Configuration;
using Kindred.Server.Data;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Features.Mail;
using Microsoft.Extensions.Options;

namespace Kindred.Server.Cli;

/// <summary><c>admin mail test --to ADDRESS</c>: sends a test message now (not through the queue) and says exactly what failed.</summary>
public static class MailCommands
{
    public static void AddTo(Command admin, string[] configArgs, TextWriter stdout, TextWriter stderr, Func<string[], TextWriter, Func<IServiceProvider, Task<int>>, Task<int>> withServices)
    {
        var mail = new Command("mail", "E-mail: check the mail settings.");
        var to = new Option<string>("--to") { Description = "The address to send the test message to.", Required = true };
        var test = new Command("test", "Send a test message with the configured settings and say what failed (DNS, TLS, authentication, refused).") { to };
        test.SetAction((parse, ct) => withServices(configArgs, stderr, async services =>
        {
            var address = parse.GetValue(to)!.Trim();
            if (AccountRules.ValidateEmail(address) is { } problem)
            {
                await stderr.WriteLineAsync("error: --to: " + problem);
                return 1;
            }

            var o = services.GetRequiredService<IOptions<KindredOptions>>().Value;
            var time = services.GetRequiredService<TimeProvider>();
            var id = Ids.New(time);
            var message = await services.GetRequiredService<MailComposer>().ComposeAsync(
                new OutgoingMail { To = address, Template = "test" }, id, time.GetUtcNow(), ct);
            try
            {
                await services.GetRequiredService<MailTransport>().SendAsync(message, id.ToString("N"), ct);
            }
            catch (MailSendException ex)
            {
                await stderr.WriteLineAsync("error: the test message was not sent: " + ex.Message);
                return 1;
            }

            await stdout.WriteLineAsync(o.Mail.IsSmtp
                ? $"Sent a test message to {address} through {o.Mail.Host}:{o.Mail.EffectivePort} ({o.Mail.Security}). Check that it arrived (and not in spam)."
                : $"Mail is in pickup mode: the test message to {address} was written to {Path.Combine(MailTransport.PickupDirectory(o), id.ToString("N") + ".eml")}. Nothing leaves this server until Kindred:Mail:Mode=smtp.");
            return 0;
        }));
        mail.Subcommands.Add(test);
        admin.Subcommands.Add(mail);
    }
}
