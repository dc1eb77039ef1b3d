using Kindred.Server.Configuration;
using MimeKit;

namespace Kindred.Server.Hosting;

/// <summary>Start-up checks of <c>Kindred:Mail</c>, in the words of <see cref="KindredOptionsValidator"/>.</summary>
public static class MailOptionsValidation
{
    public static IEnumerable<string> Validate(MailOptions m)
    {
        var mode = m.Mode?.Trim().ToLowerInvariant();
        if (!MailOptions.Modes.Contains(mode))
        {
            yield return $"Kindred:Mail:Mode '{m.Mode}' is not known. Use 'pickup' (messages are written as files in the data directory's " +
                         "mail folder, the default) or 'smtp' (sent through a mail server), e.g. Kindred__Mail__Mode=smtp";
            yield break;
        }

        if (!string.IsNullOrWhiteSpace(m.From) && !IsAddress(m.From))
        {
            yield return $"Kindred:Mail:From '{m.From}' is not an e-mail address, e.g. Kindred__Mail__From=\"Our community <no-reply@support.example.org>\"";
        }

        if (!string.IsNullOrWhiteSpace(m.ReplyTo) && !IsAddress(m.ReplyTo))
        {
            yield return $"Kindred:Mail:ReplyTo '{m.ReplyTo}' is not an e-mail address, e.g. Kindred__Mail__ReplyTo=admins@example.org";
        }

        if (mode != "smtp")
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(m.Host))
        {
            yield return "Kindred:Mail:Host is required with Kindred:Mail:Mode=smtp: the mail server's name, e.g. Kindred__Mail__Host=smtp.example.org";
        }
        else if (Uri.CheckHostName(m.Host.Trim()) == UriHostNameType.Unknown)
        {
            yield return $"Kindred:Mail:Host '{m.Host}' is not a host name or address. Give only the name, without smtp:// or a port, e.g. smtp.example.org";
        }

        if (m.Port is < 0 or > 65535)
        {
            yield return $"Kindred:Mail:Port must be between 1 and 65535 (or 0 for the usual port); it is {m.Port}.";
        }

        if (!MailOptions.SecurityModes.Contains(m.Security?.Trim().ToLowerInvariant()))
        {
            yield return $"Kindred:Mail:Security '{m.Security}' is not known. Use 'starttls' (port 587, the default), 'tls' (port 465) " +
                         "or 'none' (only for a relay on this machine or a private network).";
        }

        if (string.IsNullOrWhiteSpace(m.From))
        {
            yield return "Kindred:Mail:From is required with Kindred:Mail:Mode=smtp: the address messages come from, one your mail provider " +
                         "lets you send as, e.g. Kindred__Mail__From=\"Our community <no-reply@support.example.org>\"";
        }

        if (!string.IsNullOrWhiteSpace(m.Username) && string.IsNullOrEmpty(m.Password))
        {
            yield return "Kindred:Mail:Username is set but Kindred:Mail:Password is empty. Set both (e.g. Kindred__Mail__Password=...) or neither.";
        }
    }

    private static bool IsAddress(string value) =>
        MailboxAddress.TryParse(value.Trim(), out var address) && address.Address.Contains('@', StringComparison.Ordinal);
}
