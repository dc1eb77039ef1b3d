using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CsvHelper;

namespace Kindred.Server.Federation.Policy;

/// <summary>One importable entry and the line (CSV) or position (JSON, 1-based) it came from.</summary>
public sealed record ImportEntry(int Line, DomainBlockInput Input);

/// <summary>A line that could not be read; the rest of the file is still imported.</summary>
public sealed record ImportLineError(int Line, string Field, string Message);

/// <summary>
/// Blocklists as other servers publish them: Mastodon's CSV export (<c>#domain,#severity,#reject_media,#reject_reports,
/// #public_comment,#obfuscate</c>, also headerless lists of one domain per line, which mean suspend) and GoToSocial's JSON
/// (an array of <c>{"domain", "public_comment", "obfuscate"}</c>, all suspensions). CSV is read and written with CsvHelper.
/// </summary>
public static class BlocklistFormats
{
    public const string Csv = "csv";
    public const string Json = "json";

    public static readonly string[] MastodonHeader = ["#domain", "#severity", "#reject_media", "#reject_reports", "#public_comment", "#obfuscate"];

    /// <summary>Guesses the format from the content: JSON starts with '[' (after white space), anything else is CSV.</summary>
    public static string Detect(string text) => (text ?? "").TrimStart('\uFEFF', ' ', '\t', '\r', '\n').StartsWith('[') ? Json : Csv;

    public static (List<ImportEntry> Entries, List<ImportLineError> Errors) Parse(string text) =>
        Detect(text) == Json ? ParseGoToSocialJson(text) : ParseMastodonCsv(text);

    public static (List<ImportEntry> Entries, List<ImportLineError> Errors) ParseMastodonCsv(string text)
    {
        var entries = new List<ImportEntry>();
        var errors = new List<ImportLineError>();
        var options = new CsvReaderOptions { HasHeader = false, TrackLineNumbers = true, SkipEmptyLines = true, TrimWhitespace = true };
        using var csv = CsvReader.FromText(text.TrimStart('\uFEFF'), options);
        Dictionary<string, int>? columns = null;
        var firstRecord = true;
        while (true)
        {
            try
            {
                if (!csv.Read())
                {
                    break;
                }
            }
            catch (CsvFormatException ex)
            {
                errors.Add(new ImportLineError(0, "file", "The file is not readable CSV: " + ex.Message));
                break;
            }

            var line = (int)csv.LineNumber;
            var first = csv.GetString(0).Trim();
            var isFirst = firstRecord;
            firstRecord = false;
            if (isFirst && (first.StartsWith("#domain", StringComparison.OrdinalIgnoreCase) || first.Equals("domain", StringComparison.OrdinalIgnoreCase)))
            {
                columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i < csv.FieldCount; i++)
                {
                    columns[csv.GetString(i).Trim().TrimStart('#')] = i;
                }

                continue;
            }

            string? Field(string name, int fallback) =>
                columns is null ? (fallback == 0 && csv.FieldCount > 0 ? csv.GetString(0) : null)
                : columns.TryGetValue(name, out var i) && i < csv.FieldCount ? csv.GetString(i) : null;

            var domain = Field("domain", 0)?.Trim();
            if (string.IsNullOrEmpty(domain) || domain.StartsWith('#'))
            {
                continue; // a comment line in a hand-kept list
            }

            var lineErrors = new List<ImportLineError>();
            bool? Flag(string name)
            {
                var value = Field(name, -1)?.Trim();
                if (string.IsNullOrEmpty(value))
                {
                    return null;
                }

                if (bool.TryParse(value, out var b))
                {
                    return b;
                }

                lineErrors.Add(new ImportLineError(line, name, $"'{value}' is not true or false."));
                return null;
            }

            var severity = Field("severity", -1)?.Trim();
            var input = new DomainBlockInput
            {
                Domain = domain,
                Severity = string.IsNullOrEmpty(severity) ? Severities.Suspend : severity,
                RejectMedia = Flag("reject_media"),
                RejectReports = Flag("reject_reports"),
                Obfuscate = Flag("obfuscate"),
                PublicComment = Field("public_comment", -1) ?? Field("comment", -1),
            };
            if (DomainBlocks.ParseSeverity(input.Severity) is null)
            {
                lineErrors.Add(new ImportLineError(line, "severity", $"'{severity}' is not a severity: use suspend, silence or noop."));
            }

            if (lineErrors.Count > 0)
            {
                errors.AddRange(lineErrors);
            }
            else
            {
                entries.Add(new ImportEntry(line, input));
            }
        }

        return (entries, errors);
    }

    private sealed class GtsEntry
    {
        [JsonPropertyName("domain")] public string? Domain { get; set; }
        [JsonPropertyName("public_comment")] public string? PublicComment { get; set; }
        [JsonPropertyName("private_comment")] public string? PrivateComment { get; set; }
        [JsonPropertyName("obfuscate")] public bool? Obfuscate { get; set; }
        [JsonPropertyName("severity")] public string? Severity { get; set; }
        [JsonPropertyName("reject_media")] public bool? RejectMedia { get; set; }
        [JsonPropertyName("reject_reports")] public bool? RejectReports { get; set; }
    }

    public static (List<ImportEntry> Entries, List<ImportLineError> Errors) ParseGoToSocialJson(string text)
    {
        var entries = new List<ImportEntry>();
        var errors = new List<ImportLineError>();
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 8 }).RootElement;
        }
        catch (JsonException ex)
        {
            errors.Add(new ImportLineError(0, "file", "The file is not readable JSON: " + ex.Message));
            return (entries, errors);
        }

        if (root.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new ImportLineError(0, "file", "A GoToSocial list is a JSON array of {\"domain\": ...} objects."));
            return (entries, errors);
        }

        var n = 0;
        foreach (var item in root.EnumerateArray())
        {
            n++;
            GtsEntry? e;
            try
            {
                e = item.ValueKind == JsonValueKind.Object ? item.Deserialize<GtsEntry>() : null;
            }
            catch (JsonException)
            {
                e = null;
            }

            if (e is null || string.IsNullOrWhiteSpace(e.Domain))
            {
                errors.Add(new ImportLineError(n, "domain", "Entry has no domain."));
                continue;
            }

            if (e.Severity is not null && DomainBlocks.ParseSeverity(e.Severity) is null)
            {
                errors.Add(new ImportLineError(n, "severity", $"'{e.Severity}' is not a severity: use suspend, silence or noop."));
                continue;
            }

            entries.Add(new ImportEntry(n, new DomainBlockInput
            {
                Domain = e.Domain, Severity = e.Severity ?? Severities.Suspend, PublicComment = e.PublicComment, PrivateComment = e.PrivateComment,
                Obfuscate = e.Obfuscate, RejectMedia = e.RejectMedia, RejectReports = e.RejectReports,
            }));
        }

        return (entries, errors);
    }

    /// <summary>Mastodon's export, byte for byte in shape: header, then one block per line, booleans as true/false.</summary>
    public static string WriteMastodonCsv(IEnumerable<DomainBlock> blocks)
    {
        var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture) { NewLine = "\n" };
        using (var csv = CsvWriter.Create(text, new CsvWriterOptions { NewLine = "\n" }, leaveOpen: true))
        {
            csv.WriteRecord(MastodonHeader);
            foreach (var b in blocks)
            {
                csv.WriteRecord([b.Domain, b.Severity, Bool(b.RejectMedia), Bool(b.RejectReports), b.PublicComment, Bool(b.Obfuscate)]);
            }
        }

        return text.ToString();

        static string Bool(bool b) => b ? "true" : "false";
    }

    /// <summary>GoToSocial's export shape; severities other than suspend carry Mastodon's names as extra fields.</summary>
    public static string WriteGoToSocialJson(IEnumerable<DomainBlock> blocks)
    {
        var list = blocks.Select(b => new GtsEntry
        {
            Domain = b.Domain, PublicComment = b.PublicComment, Obfuscate = b.Obfuscate,
            Severity = b.Severity == Severities.Suspend ? null : b.Severity,
            RejectMedia = b.RejectMedia ? true : null, RejectReports = b.RejectReports ? true : null,
        }).ToList();
        return JsonSerializer.Serialize(list, WriteOptions);
    }

    private static readonly JsonSerializerOptions WriteOptions = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true };

    public static Encoding Utf8 { get; } = new UTF8Encoding(false);
}
