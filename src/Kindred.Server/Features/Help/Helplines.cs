using Kindred.Server.Configuration;
using System.Text.RegularExpressions;
using Kindred.Server.Features.Admin;
using Microsoft.Extensions.Options;

namespace Kindred.Server.Features.Help;

/// <summary>
/// The helplines the urgent help page lists: those an admin saved on the helplines page, else those in the
/// configuration (after the emergency-services entry, which is never dropped by accident), else a clearly marked
/// example list of international services. Reading them never fails: without the database, the configured list.
/// </summary>
public sealed partial class Helplines(InstanceSettings settings, IOptions<KindredOptions> options, ILogger<Helplines> logger)
{
    public const int MaxHelplines = 12;
    public const int MaxNameLength = 100;
    public const int MaxDescriptionLength = 500;
    public const int MaxShortLength = 100;

    public static Helpline EmergencyServices() => new()
    {
        Name = "Emergency services",
        Description = "If you or someone else is in immediate danger, call your local emergency number now: 112 in the EU, 999 in the UK, " +
                      "911 in the US and Canada, 000 in Australia.",
        Emergency = true,
    };

    /// <summary>Shown, marked as an example, until the admin sets the instance's own (they are right wherever it is).</summary>
    public static IReadOnlyList<Helpline> Examples() =>
    [
        EmergencyServices(),
        new() { Name = "Find A Helpline", Url = "https://findahelpline.com", Description = "Free, confidential helplines in more than 130 countries, searchable by country and topic." },
        new() { Name = "Befrienders Worldwide", Url = "https://befrienders.org", Description = "Emotional support centres around the world for people in distress." },
    ];

    /// <summary>The list in force: <see cref="IsExample"/> when nobody has set one; <see cref="IsSaved"/> when an admin saved it here.</summary>
    public sealed record Current(IReadOnlyList<Helpline> List, bool IsExample, bool IsSaved);

    public async Task<Current> GetAsync(CancellationToken ct = default)
    {
        IReadOnlyList<Helpline>? saved = null;
        try
        {
            saved = await settings.GetHelplinesAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "The saved helplines could not be read; showing the configured ones");
        }

        return Resolve(saved, options.Value.Helplines);
    }

    /// <summary>Without the database: the configured helplines, or the examples.</summary>
    public Current WithoutDatabase() => Resolve(null, options.Value.Helplines);

    public static Current Resolve(IReadOnlyList<Helpline>? saved, IReadOnlyList<Helpline> configured)
    {
        if (saved is not null)
        {
            return new Current(saved, IsExample: false, IsSaved: true);
        }

        if (configured.Count > 0)
        {
            // Configuring local helplines must not silently take the emergency entry away.
            return new Current(configured.Any(h => h.Emergency) ? configured : [EmergencyServices(), .. configured], IsExample: false, IsSaved: false);
        }

        return new Current(Examples(), IsExample: true, IsSaved: false);
    }

    public Task SaveAsync(IReadOnlyList<Helpline> helplines, CancellationToken ct = default) => settings.SaveHelplinesAsync(helplines, ct);

    /// <summary>One row of the helplines form as sent, with its index (field names end in <c>-{index}</c>).</summary>
    public sealed record Row(int Index, Helpline Value, bool Remove)
    {
        public bool IsBlank => string.IsNullOrWhiteSpace(Value.Name) && string.IsNullOrWhiteSpace(Value.Phone) && string.IsNullOrWhiteSpace(Value.Text)
            && string.IsNullOrWhiteSpace(Value.TextKeyword) && string.IsNullOrWhiteSpace(Value.Url) && string.IsNullOrWhiteSpace(Value.Hours)
            && string.IsNullOrWhiteSpace(Value.Description) && string.IsNullOrWhiteSpace(Value.Country);
    }

    /// <summary>
    /// The helplines to save from the form's rows, or field errors. Blank new rows are left out; a row is removed only
    /// when its "Remove" box is ticked, so the emergency entry cannot disappear because its fields were emptied.
    /// </summary>
    public static (List<Helpline> Helplines, Dictionary<string, string> Errors) Validate(IReadOnlyList<Row> rows)
    {
        var errors = new Dictionary<string, string>();
        var kept = new List<Helpline>();
        foreach (var row in rows)
        {
            var h = row.Value;
            if (row.Remove || (row.IsBlank && !h.Emergency))
            {
                continue;
            }

            var i = row.Index;
            if (string.IsNullOrWhiteSpace(h.Name))
            {
                errors[$"name-{i}"] = h.Emergency
                    ? "The emergency services entry needs a name. To take it off the urgent help page, tick \"Remove\" instead."
                    : "Give this helpline the name people know it by.";
            }
            else if (h.Name.Length > MaxNameLength)
            {
                errors[$"name-{i}"] = $"Keep the name to {MaxNameLength} characters or fewer.";
            }

            if (!h.Emergency && h.Phone is null && h.Text is null && h.Url is null)
            {
                errors[$"phone-{i}"] = "Add a phone number, a number to text or a web address, so that people can reach it.";
            }

            if (h.Emergency && h.Phone is null && h.Description is null)
            {
                errors[$"phone-{i}"] = "Add the emergency number, or a description that says which number to call.";
            }

            if (h.Phone is not null && !IsNumber(h.Phone))
            {
                errors[$"phone-{i}"] = "Write the number with digits, spaces and + only, e.g. 116 123 or +44 20 7946 0000.";
            }

            if (h.Text is not null && !IsNumber(h.Text))
            {
                errors[$"text-{i}"] = "Write the number to text with digits and spaces only, e.g. 85258.";
            }

            if (h.TextKeyword is not null)
            {
                if (h.Text is null)
                {
                    errors[$"keyword-{i}"] = "Add the number this word is texted to.";
                }
                else if (!KeywordPattern().IsMatch(h.TextKeyword))
                {
                    errors[$"keyword-{i}"] = "Use one word of letters and digits, e.g. SHOUT.";
                }
            }

            if (h.Url is not null && (!Uri.TryCreate(h.Url, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http") || h.Url.Length > 500))
            {
                errors[$"url-{i}"] = "Use a web address that starts with https://, e.g. https://www.samaritans.org.";
            }

            if (h.Hours?.Length > MaxShortLength)
            {
                errors[$"hours-{i}"] = $"Keep the hours to {MaxShortLength} characters or fewer.";
            }

            if (h.Country?.Length > MaxShortLength)
            {
                errors[$"country-{i}"] = $"Keep this to {MaxShortLength} characters or fewer.";
            }

            if (h.Description?.Length > MaxDescriptionLength)
            {
                errors[$"description-{i}"] = $"Keep the description to {MaxDescriptionLength} characters or fewer.";
            }

            kept.Add(h);
        }

        if (errors.Count == 0 && kept.Count == 0)
        {
            errors["name-0"] = "Keep at least one helpline: the urgent help page is there so that nobody is left without a number to call.";
        }
        else if (kept.Count > MaxHelplines)
        {
            errors["name-0"] = $"List at most {MaxHelplines} helplines; a short list is easier to use in a crisis.";
        }

        // The emergency entry comes first, wherever its row was.
        return (kept.OrderByDescending(h => h.Emergency).ToList(), errors);
    }

    private static bool IsNumber(string s) => NumberPattern().IsMatch(s) && s.Count(char.IsAsciiDigit) >= 3;

    [GeneratedRegex(@"^\+?[0-9][0-9 ()\-]{1,29}$")]
    private static partial Regex NumberPattern();

    [GeneratedRegex("^[A-Za-z0-9]{1,20}$")]
    private static partial Regex KeywordPattern();

    /// <summary>How a helpline's text service reads and links: "Text SHOUT to 85258" and sms:85258?body=SHOUT (RFC 5724).</summary>
    public static (string? Label, string? Href) TextService(Helpline h)
    {
        if (string.IsNullOrWhiteSpace(h.Text))
        {
            return (null, null);
        }

        var number = h.Text.Trim();
        var keyword = h.TextKeyword?.Trim();
        if (!IsNumber(number))
        {
            // Older configurations wrote the whole sentence: "Text SHOUT to 85258".
            var m = SentencePattern().Match(number);
            if (!m.Success)
            {
                return (number, null);
            }

            keyword ??= m.Groups["word"].Value;
            number = m.Groups["number"].Value.Trim();
        }

        var digits = new string(number.Where(c => char.IsAsciiDigit(c) || c == '+').ToArray());
        return string.IsNullOrEmpty(keyword)
            ? ($"Text {number}", $"sms:{digits}")
            : ($"Text {keyword} to {number}", $"sms:{digits}?body={Uri.EscapeDataString(keyword)}");
    }

    /// <summary>tel: with digits and + only (RFC 3966 visual separators left out).</summary>
    public static string? PhoneHref(Helpline h) =>
        string.IsNullOrWhiteSpace(h.Phone) ? null : "tel:" + new string(h.Phone.Where(c => char.IsAsciiDigit(c) || c == '+').ToArray());

    [GeneratedRegex(@"^\s*(?:text\s+)?(?<word>[A-Za-z0-9]+)\s+to\s+(?<number>\+?[0-9][0-9 ]*)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex SentencePattern();
}
