using Dapper;
using Kindred.Server.Configuration;
using Kindred.Server.Data;
using Kindred.Server.Theming;
using Kindred.Server.Web;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Kindred.Server.Features.Mail;

/// <summary>
/// Admin, E-mail (<c>/admin/mail</c>): how mail is sent, messages waiting or given up (with the reason), and in pickup
/// mode the latest messages written to the pickup folder, each readable at <c>/admin/mail/pickup/{name}</c>.
/// </summary>
public static class MailAdminPages
{
    private const int Latest = 30;
    private static readonly System.Buffers.SearchValues<char> Hex = System.Buffers.SearchValues.Create("0123456789abcdef");

    public sealed record MailJobRow
    {
        public Guid Id { get; init; }
        public string State { get; init; } = "";
        public string Payload { get; init; } = "";
        public int Attempts { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset NextAttemptAt { get; init; }
        public string? LastError { get; init; }
    }

    // Reads only: the jobs table is written by Data/Jobs alone.
    private const string Unsent = """
        SELECT id, state, payload, attempts, created_at, next_attempt_at, last_error FROM jobs
        WHERE kind = 'mail' AND state <> 'done'
        ORDER BY created_at DESC
        LIMIT 50
        """;

    public static IEndpointRouteBuilder MapMailAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin/mail").RequireAuthorization(Policies.Admin);

        admin.MapGet("", async (HttpContext http, Pages pages, Database db, Mailer mailer, IOptions<KindredOptions> options) =>
        {
            var o = options.Value;
            List<MailJobRow> unsent;
            await using (var c = await db.OpenAsync(http.RequestAborted))
            {
                unsent = (await c.QueryAsync<MailJobRow>(Unsent)).AsList();
            }

            return await pages.RenderAsync(http, "admin-mail", "E-mail", new
            {
                Smtp = o.Mail.IsSmtp,
                Host = o.Mail.Host,
                Port = o.Mail.EffectivePort,
                Security = o.Mail.Security,
                PickupFolder = MailTransport.PickupDirectory(o),
                Unsent = unsent.Select(j =>
                {
                    var mail = mailer.Read(j.Payload);
                    return new
                    {
                        To = mail?.To ?? "(unreadable)",
                        Template = mail?.Template ?? "",
                        GaveUp = j.State == "failed",
                        j.Attempts,
                        CreatedAt = j.CreatedAt.UtcDateTime,
                        NextAttemptAt = j.NextAttemptAt.UtcDateTime,
                        j.LastError,
                    };
                }).ToList(),
                Latest,
                Pickup = o.Mail.IsSmtp ? [] : await ReadPickupAsync(o, http.RequestAborted),
            });
        });

        admin.MapGet("/pickup/{name}", async (string name, HttpContext http, Pages pages, IOptions<KindredOptions> options) =>
        {
            var path = PickupFile(options.Value, name);
            if (path is null)
            {
                return Results.NotFound();
            }

            var message = await MimeMessage.LoadAsync(path, http.RequestAborted);
            return await pages.RenderAsync(http, "admin-mail-message", "E-mail: " + message.Subject, new
            {
                Subject = message.Subject,
                To = message.To.ToString(),
                From = message.From.ToString(),
                Date = message.Date.UtcDateTime,
                Headers = message.Headers.Where(h => h.Id is HeaderId.ListUnsubscribe or HeaderId.MessageId || h.Field == "List-Unsubscribe-Post")
                    .Select(h => new { Name = h.Field, h.Value }).ToList(),
                Text = message.TextBody ?? "",
            });
        });

        return app;
    }

    /// <summary>A file in the pickup folder by its name (no paths), or null.</summary>
    private static string? PickupFile(KindredOptions o, string name)
    {
        if (name.Length > 80 || !name.EndsWith(".eml", StringComparison.Ordinal) || name.AsSpan(0, name.Length - 4).ContainsAnyExcept(Hex))
        {
            return null;
        }

        var path = Path.Combine(MailTransport.PickupDirectory(o), name);
        return File.Exists(path) ? path : null;
    }

    private static async Task<List<object>> ReadPickupAsync(KindredOptions o, CancellationToken ct)
    {
        var directory = MailTransport.PickupDirectory(o);
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var list = new List<object>();
        // Job ids are UUIDv7, so names sort by time.
        foreach (var file in Directory.EnumerateFiles(directory, "*.eml").OrderDescending(StringComparer.Ordinal).Take(Latest))
        {
            try
            {
                var message = await MimeMessage.LoadAsync(file, ct);
                list.Add(new { Name = Path.GetFileName(file), message.Subject, To = message.To.ToString(), Date = message.Date.UtcDateTime });
            }
            catch (Exception ex) when (ex is IOException or FormatException)
            {
                list.Add(new { Name = Path.GetFileName(file), Subject = "(unreadable)", To = "", Date = File.GetLastWriteTimeUtc(file) });
            }
        }

        return list;
    }
}
