using System.Globalization;
using System.Text.Json;

namespace Kindred.ActivityPub.Vocabulary;

/// <summary>Tolerant readers for AS2 JSON, where any property may be a string, an object, an array
/// of either, or missing (AS2 Core §2; "be liberal in what you accept").</summary>
internal static class JsonValues
{
    public static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        value = default;
        return obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;
    }

    /// <summary>The value, or each element when it is an array.</summary>
    public static IEnumerable<JsonElement> Items(JsonElement obj, string name)
    {
        if (!TryGet(obj, name, out var value))
        {
            yield break;
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Null)
                {
                    yield return item;
                }
            }
        }
        else
        {
            yield return value;
        }
    }

    /// <summary>An absolute URI; relative strings, <c>file:</c> and garbage give null.</summary>
    public static Uri? ToUri(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text[0] == '/' || text.Length > 4096)
        {
            return null;
        }

        return Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && !uri.IsFile && !uri.IsUnc ? uri : null;
    }

    /// <summary>The id of a link-or-object value: a string, an object's <c>id</c>, or a Link's <c>href</c>.</summary>
    public static Uri? IdOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => ToUri(value.GetString()),
        JsonValueKind.Object => ToUri(String(value, "id")) ?? (IsLink(value) ? ToUri(String(value, "href")) : null),
        _ => null,
    };

    public static Uri? FirstId(JsonElement obj, string name) => Items(obj, name).Select(IdOf).FirstOrDefault(u => u is not null);

    /// <summary>A string property (the first string, if an array).</summary>
    public static string? String(JsonElement obj, string name) =>
        Items(obj, name).Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()).FirstOrDefault();

    /// <summary>
    /// A natural-language property: <c>content</c> if it is a string, else the best entry of
    /// <c>contentMap</c> (AS2 Core §4.7): "und", then English, then the first.
    /// </summary>
    public static string? LangString(JsonElement obj, string name)
    {
        if (String(obj, name) is { } plain)
        {
            return plain;
        }

        if (!TryGet(obj, name + "Map", out var map) || map.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? first = null, english = null;
        foreach (var entry in map.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            var text = entry.Value.GetString();
            if (entry.Name == "und")
            {
                return text;
            }

            first ??= text;
            if (english is null && (entry.Name == "en" || entry.Name.StartsWith("en-", StringComparison.OrdinalIgnoreCase)))
            {
                english = text;
            }
        }

        return english ?? first;
    }

    /// <summary>Addressing (to/cc/bto/bcc/audience) as ids, with the Public collection's compact
    /// forms <c>as:Public</c> and <c>Public</c> expanded (ActivityPub §5.6 note).</summary>
    public static IReadOnlyList<Uri> Addresses(JsonElement obj, string name)
    {
        var result = new List<Uri>();
        foreach (var item in Items(obj, name))
        {
            var text = item.ValueKind == JsonValueKind.String ? item.GetString() : String(item, "id");
            var uri = text is "as:Public" or "Public" or "http://www.w3.org/ns/activitystreams#Public"
                ? ActivityStreams.PublicCollectionUri
                : ToUri(text);
            if (uri is not null && !result.Contains(uri))
            {
                result.Add(uri);
            }
        }

        return result;
    }

    public static DateTimeOffset? Date(JsonElement obj, string name) =>
        DateTimeOffset.TryParse(String(obj, name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var d) ? d : null;

    public static bool? Bool(JsonElement obj, string name)
    {
        if (!TryGet(obj, name, out var v))
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(v.GetString(), out var b) => b,
            _ => null,
        };
    }

    public static long? Long(JsonElement obj, string name) =>
        TryGet(obj, name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    public static IReadOnlyList<string> Types(JsonElement obj) =>
        Items(obj, "type").Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToArray();

    /// <summary><c>url</c>, <c>icon</c> or <c>image</c>: strings, Link objects (<c>href</c>) or
    /// Image objects (whose <c>url</c> is itself one of these). HTML links sort first.</summary>
    public static IReadOnlyList<Uri> Urls(JsonElement obj, string name, int depth = 0)
    {
        var html = new List<Uri>();
        var other = new List<Uri>();
        foreach (var item in Items(obj, name))
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                AddIfUri(other, item.GetString());
            }
            else if (item.ValueKind == JsonValueKind.Object)
            {
                var target = String(item, "mediaType") == "text/html" ? html : other;
                AddIfUri(target, String(item, "href"));
                if (depth < 2 && String(item, "href") is null)
                {
                    target.AddRange(Urls(item, "url", depth + 1));
                }
            }
        }

        return [.. html, .. other];

        static void AddIfUri(List<Uri> list, string? text)
        {
            if (ToUri(text) is { } u)
            {
                list.Add(u);
            }
        }
    }

    private static bool IsLink(JsonElement obj) => Types(obj) is var t && (t.Count == 0 || t.Contains("Link") || t.Contains("Mention"));
}
