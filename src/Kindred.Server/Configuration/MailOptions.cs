namespace Kindred.Server.Configuration;

/// <summary>How Kindred sends e-mail (<c>Kindred:Mail</c>; docs/admin-guide-mail.md).</summary>
public sealed class MailOptions
{
    public static readonly string[] Modes = ["pickup", "smtp"];
    public static readonly string[] SecurityModes = ["starttls", "tls", "none"];

    /// <summary>
    /// <c>pickup</c> (the default: every message is written as an .eml file in <c>mail/</c> under the data directory, so a
    /// fresh instance works with no mail server and an admin can read them under Admin, E-mail) or <c>smtp</c>.
    /// </summary>
    public string Mode { get; set; } = "pickup";

    /// <summary>The SMTP relay's host name, e.g. smtp.example.org (smtp mode).</summary>
    public string? Host { get; set; }

    /// <summary>The relay's port; 0 means the usual one for <see cref="Security"/> (587 starttls, 465 tls, 25 none).</summary>
    public int Port { get; set; }

    /// <summary><c>starttls</c> (the default: plain connection upgraded to TLS, required), <c>tls</c> (TLS from the start) or <c>none</c>.</summary>
    public string Security { get; set; } = "starttls";

    /// <summary>User name for SMTP authentication; empty: no authentication.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender, e.g. <c>Kindred &lt;no-reply@support.example.org&gt;</c>. Empty: no-reply@ the public host (pickup only).</summary>
    public string? From { get; set; }

    /// <summary>Where replies go, e.g. the admins' shared mailbox. Empty: no Reply-To header.</summary>
    public string? ReplyTo { get; set; }

    /// <summary>
    /// Whether a changed e-mail address must be confirmed (by a link sent to it) before it is used; the old address is
    /// told once it changes. On by default: otherwise a mistyped address, or someone at an unlocked computer, could
    /// take over where reset links go.
    /// </summary>
    public bool ConfirmChangedAddress { get; set; } = true;

    /// <summary>The port actually used: <see cref="Port"/>, or the usual one for <see cref="Security"/>.</summary>
    public int EffectivePort => Port > 0 ? Port : Security?.Trim().ToLowerInvariant() switch
    {
        "tls" => 465,
        "none" => 25,
        _ => 587,
    };

    public bool IsSmtp => string.Equals(Mode?.Trim(), "smtp", StringComparison.OrdinalIgnoreCase);
}
