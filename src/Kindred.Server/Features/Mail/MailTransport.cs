using System.Net.Sockets;
using Kindred.Server.Configuration;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Kindred.Server.Features.Mail;

/// <summary>
/// Hands a message over: in <c>pickup</c> mode as an .eml file in <c>&lt;data&gt;/mail/</c>, in <c>smtp</c> mode to the
/// configured relay through MailKit. Failures become a <see cref="MailSendException"/> that says what failed (the name
/// could not be found, nothing answered, TLS, the user name and password, the server refused) and whether trying again
/// can help: SMTP 4xx replies and broken connections are temporary, 5xx replies permanent (RFC 5321 §4.2.1).
/// </summary>
public sealed class MailTransport(IOptions<KindredOptions> options)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The pickup folder: <c>mail/</c> under the data directory.</summary>
    public static string PickupDirectory(KindredOptions o) => Path.Combine(Path.GetFullPath(o.DataDirectory), "mail");

    /// <summary>Sends <paramref name="message"/>; <paramref name="fileName"/> names it in the pickup folder (same name, same file: a repeat overwrites).</summary>
    public async Task SendAsync(MimeMessage message, string fileName, CancellationToken ct)
    {
        var o = options.Value;
        if (o.Mail.IsSmtp)
        {
            await SendSmtpAsync(o.Mail, message, ct);
        }
        else
        {
            await WritePickupAsync(o, message, fileName, ct);
        }
    }

    private static async Task WritePickupAsync(KindredOptions o, MimeMessage message, string fileName, CancellationToken ct)
    {
        var directory = PickupDirectory(o);
        try
        {
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, fileName + ".eml");
            var partial = path + ".partial";
            await message.WriteToAsync(partial, ct);
            // A reader (the admin page, a mail program watching the folder) never sees half a message.
            File.Move(partial, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MailSendException($"the message could not be written to the pickup folder {directory}: {ex.Message}", permanent: false, ex);
        }
    }

    private static async Task SendSmtpAsync(MailOptions m, MimeMessage message, CancellationToken ct)
    {
        var host = m.Host!.Trim();
        var port = m.EffectivePort;
        var security = m.Security?.Trim().ToLowerInvariant() switch
        {
            "tls" => SecureSocketOptions.SslOnConnect,
            "none" => SecureSocketOptions.None,
            _ => SecureSocketOptions.StartTls,
        };
        using var client = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(host, port, security, ct);
            if (!string.IsNullOrWhiteSpace(m.Username))
            {
                await client.AuthenticateAsync(m.Username, m.Password ?? "", ct);
            }

            await client.SendAsync(message, ct);
            await client.DisconnectAsync(quit: true, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw Describe(ex, host, port);
        }
    }

    /// <summary>What went wrong, for the job's visible reason and for <c>admin mail test</c>.</summary>
    public static MailSendException Describe(Exception ex, string host, int port) => ex switch
    {
        MailSendException mail => mail,
        SmtpCommandException c => new MailSendException(
            $"the mail server {host}:{port} refused {What(c.ErrorCode)} with {(int)c.StatusCode} {c.Message.Trim()}" +
            ((int)c.StatusCode >= 500 ? "" : " (a temporary refusal; Kindred tries again)"),
            permanent: (int)c.StatusCode >= 500, ex),
        AuthenticationException => new MailSendException(
            $"authentication failed: the mail server {host}:{port} did not accept the user name and password (Kindred:Mail:Username and Kindred:Mail:Password).",
            permanent: false, ex),
        SslHandshakeException => new MailSendException(
            $"TLS failed with {host}:{port}: {FirstLine(ex.Message)} Check Kindred:Mail:Security (starttls for port 587, tls for port 465) and that the server's certificate is valid for '{host}'.",
            permanent: false, ex),
        NotSupportedException when ex.Message.Contains("STARTTLS", StringComparison.OrdinalIgnoreCase) => new MailSendException(
            $"TLS failed: the mail server {host}:{port} does not offer STARTTLS. Use Kindred:Mail:Security=tls if it expects TLS from the start (port 465).",
            permanent: false, ex),
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData } => new MailSendException(
            $"DNS: the mail server's name '{host}' could not be found. Check Kindred:Mail:Host.", permanent: false, ex),
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => new MailSendException(
            $"connection refused: nothing answers at {host}:{port}. Check Kindred:Mail:Host and Kindred:Mail:Port, and that the server is running.",
            permanent: false, ex),
        SocketException s => new MailSendException($"the connection to {host}:{port} failed: {s.SocketErrorCode} ({s.Message}).", permanent: false, ex),
        TimeoutException or OperationCanceledException => new MailSendException(
            $"the mail server {host}:{port} did not answer within {Timeout.TotalSeconds:0} seconds.", permanent: false, ex),
        SmtpProtocolException or IOException or ServiceNotConnectedException => new MailSendException(
            $"the connection to the mail server {host}:{port} broke: {FirstLine(ex.Message)}", permanent: false, ex),
        _ => new MailSendException($"sending through {host}:{port} failed: {ex.GetType().Name}: {FirstLine(ex.Message)}", permanent: false, ex),
    };

    private static string What(SmtpErrorCode code) => code switch
    {
        SmtpErrorCode.RecipientNotAccepted => "the recipient",
        SmtpErrorCode.SenderNotAccepted => "the sender (Kindred:Mail:From)",
        _ => "the message",
    };

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
