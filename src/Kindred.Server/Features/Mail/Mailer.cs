using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json;
using Kindred.Server.Data.Jobs;
using Microsoft.AspNetCore.DataProtection;

namespace Kindred.Server.Features.Mail;

/// <summary>
/// E-mail as durable jobs on the one job queue (kind <c>mail</c>): <see cref="EnqueueAsync"/> in the transaction of
/// what caused the message, so a rolled-back change sends nothing and a committed one is sent even if the process dies
/// right after. The payload is encrypted with the instance's Data Protection keys, because it can hold a reset link.
/// Temporary failures (SMTP 4xx, a relay that is down) retry on the queue's backoff for about a day; permanent ones
/// (5xx) fail at once, with the reason shown to admins under Admin, E-mail. The message id and the pickup file are
/// named after the job, so a job run again after a crash is the same message, not a new one.
/// </summary>
public sealed class Mailer(JobQueue jobs, MailComposer composer, MailTransport transport, IDataProtectionProvider protection, TimeProvider time,
    ILogger<Mailer> logger)
{
    public const string JobKind = "mail";

    /// <summary>Attempts before a message is given up: with the queue's backoff (30 s doubling, at most 6 h), about a day.</summary>
    public const int MaxAttempts = 12;

    private readonly IDataProtector _protector = protection.CreateProtector("Kindred.Mail.v1");

    public async Task EnqueueAsync(DbConnection c, DbTransaction tx, OutgoingMail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var payload = _protector.Protect(JsonSerializer.Serialize(mail));
        await jobs.EnqueueAsync(c, tx, JobKind, payload, maxAttempts: MaxAttempts);
    }

    /// <summary>The message a queued job holds, or null when it cannot be read (for the admin page).</summary>
    public OutgoingMail? Read(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize<OutgoingMail>(_protector.Unprotect(payload));
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Sends one queued message (the <c>mail</c> job handler).</summary>
    public async Task RunAsync(Job job, CancellationToken ct)
    {
        OutgoingMail mail;
        try
        {
            mail = JsonSerializer.Deserialize<OutgoingMail>(_protector.Unprotect(job.Payload))
                   ?? throw new PermanentJobFailureException("the queued message is empty");
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException)
        {
            throw new PermanentJobFailureException("the queued message cannot be read (its key is gone or it is damaged): " + ex.Message);
        }

        MimeKit.MimeMessage message;
        try
        {
            message = await composer.ComposeAsync(mail, job.Id, time.GetUtcNow(), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new PermanentJobFailureException($"the template 'emails/{mail.Template}' could not be rendered: {ex.Message}");
        }

        try
        {
            await transport.SendAsync(message, job.Id.ToString("N"), ct);
        }
        catch (MailSendException ex) when (ex.Permanent)
        {
            throw new PermanentJobFailureException(ex.Message);
        }

        logger.LogInformation("Sent e-mail {Template} ({Id})", mail.Template, job.Id);
    }
}
