using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Kindred.Server.Cli;
using Kindred.Server.Data;
using Kindred.Server.Tests.TestRig;
using MimeKit;

namespace Kindred.Server.Tests.Mail;

/// <summary>Reading what Kindred sent: the pickup folder, the mail jobs, the link in a message.</summary>
public static partial class MailRig
{
    public static string PickupFolder(KindredTestServer server) => Path.Combine(server.Settings["Kindred:DataDirectory"]!, "mail");

    public static List<MimeMessage> Pickup(KindredTestServer server, string to)
    {
        var folder = PickupFolder(server);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal).Select(f => MimeMessage.Load(f))
            .Where(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, to, StringComparison.OrdinalIgnoreCase))).ToList();
    }

    /// <summary>Waits for the <paramref name="count"/>th message to <paramref name="to"/> in the pickup folder and returns it.</summary>
    public static async Task<MimeMessage> WaitForPickupAsync(KindredTestServer server, string to, int count = 1)
    {
        await Eventually.UntilAsync($"message {count} to {to} in the pickup folder", () => Pickup(server, to).Count >= count,
            () => JobsAsync(server));
        return Pickup(server, to)[count - 1];
    }

    public static async Task<long> MailJobCountAsync(KindredTestServer server)
    {
        await using var c = await server.Get<Database>().OpenAsync();
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE kind = 'mail'");
    }

    public sealed record MailJob
    {
        public string State { get; init; } = "";
        public int Attempts { get; init; }
        public string? LastError { get; init; }
    }

    public static async Task<List<MailJob>> MailJobsAsync(KindredTestServer server)
    {
        await using var c = await server.Get<Database>().OpenAsync();
        return (await c.QueryAsync<MailJob>("SELECT state, attempts, last_error FROM jobs WHERE kind = 'mail' ORDER BY created_at")).AsList();
    }

    public static async Task<string> JobsAsync(KindredTestServer server) =>
        "mail jobs: " + string.Join("; ", (await MailJobsAsync(server)).Select(j => $"{j.State} after {j.Attempts}: {j.LastError}"));

    /// <summary>The reset link in the text part, as a path on the server.</summary>
    public static string ResetPath(MimeMessage message)
    {
        var m = ResetLink().Match(message.TextBody ?? "");
        Assert.True(m.Success, "no reset link in:\n" + message.TextBody);
        return new Uri(m.Value).PathAndQuery;
    }

    [GeneratedRegex(@"https?://\S+/password-reset/confirm\?token=[A-Za-z0-9_-]+")]
    private static partial Regex ResetLink();

    /// <summary>Registers through the API with the given address (open mode).</summary>
    public static async Task<string> RegisterAsync(KindredTestServer server, string email, string? username = null)
    {
        username ??= Accounts.UniqueName();
        using var session = server.NewSession();
        var response = await session.PostJsonAsync("/api/v1/accounts", new
        {
            username,
            email,
            password = Accounts.Password,
            acceptGuidelines = true,
            consentToProcessing = true,
            confirmAge = true,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return username;
    }

    public static async Task<(int Code, string Out, string Err)> CliAsync(KindredTestServer server, params string[] command)
    {
        var args = new List<string>(command);
        args.AddRange(server.Settings.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}"));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await AdminCli.RunAsync([.. args], new StringReader(""), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
