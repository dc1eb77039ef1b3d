namespace Kindred.Server.Features.Mail;

/// <summary>
/// One message waiting on the job queue: who it goes to, which template (<c>themes/*/emails/NAME</c>) and the values it
/// prints. Rendered when it is sent, so a fixed template also fixes messages still waiting.
/// </summary>
public sealed record OutgoingMail
{
    public string To { get; init; } = "";

    /// <summary>The template's name under <c>emails/</c>, e.g. <c>password-reset</c>.</summary>
    public string Template { get; init; } = "";

    /// <summary>What the template prints (snake_case names), besides instance_name, public_url and urgent_help_url.</summary>
    public Dictionary<string, string> Values { get; init; } = [];

    /// <summary>A one-click unsubscribe address (RFC 8058) for messages a member chose to get; null for messages they asked for.</summary>
    public string? UnsubscribeUrl { get; init; }
}

/// <summary>Why a message could not be sent, in words an admin can act on; <see cref="Permanent"/> when retrying cannot help.</summary>
public sealed class MailSendException(string message, bool permanent, Exception? inner = null) : Exception(message, inner)
{
    public bool Permanent { get; } = permanent;
}
