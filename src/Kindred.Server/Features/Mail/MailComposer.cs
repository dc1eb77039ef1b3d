using Kindred.Server.Configuration;
using Kindred.Server.Features.Help;
using Kindred.Server.Theming;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Kindred.Server.Features.Mail;

/// <summary>
/// Turns an <see cref="OutgoingMail"/> into a MIME message (MimeKit): subject, plain-text and HTML parts from the theme's
/// <c>emails/</c> templates, the instance's name and urgent-help link, and no tracking of any kind (no pixels, no
/// redirecting links: every link is a plain link to this instance).
/// </summary>
public sealed class MailComposer(ThemeEngine theme, SiteInfoSource site, IOptions<KindredOptions> options)
{
    public async Task<MimeMessage> ComposeAsync(OutgoingMail mail, Guid id, DateTimeOffset date, CancellationToken ct)
    {
        var o = options.Value;
        var origin = o.PublicUrl.TrimEnd('/');
        var info = await site.GetOrDefaultsAsync(ct);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["instance_name"] = info.InstanceName,
            ["public_url"] = origin,
            ["urgent_help_url"] = origin + HelpPages.UrgentHelpPath,
            ["unsubscribe_url"] = mail.UnsubscribeUrl,
        };
        foreach (var (key, value) in mail.Values)
        {
            values[key] = value;
        }

        var (subject, text, html) = await theme.RenderEmailAsync(mail.Template, values);
        var message = new MimeMessage
        {
            Subject = string.IsNullOrWhiteSpace(subject) ? info.InstanceName : subject,
            Date = date,
            MessageId = $"{id:N}@{new Uri(origin).Host}",
        };
        message.From.Add(From(o, info.InstanceName));
        if (!string.IsNullOrWhiteSpace(o.Mail.ReplyTo))
        {
            message.ReplyTo.Add(MailboxAddress.Parse(o.Mail.ReplyTo.Trim()));
        }

        message.To.Add(MailboxAddress.Parse(mail.To));
        // RFC 3834: an automatic message; out-of-office replies should not answer it.
        message.Headers.Add("Auto-Submitted", "auto-generated");
        if (mail.UnsubscribeUrl is not null)
        {
            // RFC 2369 and RFC 8058: one click in the mail program unsubscribes, by a POST that needs no sign-in.
            message.Headers.Add(HeaderId.ListUnsubscribe, $"<{mail.UnsubscribeUrl}>");
            message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }

        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        return message;
    }

    /// <summary>The configured sender, or no-reply@ the public host under the instance's name.</summary>
    public static MailboxAddress From(KindredOptions o, string instanceName)
    {
        if (!string.IsNullOrWhiteSpace(o.Mail.From))
        {
            return MailboxAddress.Parse(o.Mail.From.Trim());
        }

        var host = Uri.TryCreate(o.PublicUrl, UriKind.Absolute, out var u) ? u.Host : "localhost";
        return new MailboxAddress(instanceName, "no-reply@" + host);
    }
}
