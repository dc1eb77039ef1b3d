using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Posts;

/// <summary>
/// Objects Kindred does not model but shows as threads (issue 16): a Mobilizon/Gancio <c>Event</c> (its time and place),
/// a <c>Question</c> (its options, read-only: nobody here votes), and media posts (<c>Video</c> from PeerTube,
/// <c>Audio</c> from Funkwhale/Castopod, <c>Image</c>), each with a link to the original on its server and never with the
/// media itself (a remote file would tell its server the IP address of every reader). Pure functions of the object;
/// what they return is HTML with every remote value encoded, sanitised again by the caller.
/// </summary>
public static class ObjectShapes
{
    /// <summary>Types shown as posts: what Kindred models, and the shapes below.</summary>
    public static readonly IReadOnlySet<string> PostTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "Page", "Article", "Note", "Question", "Event", "Video", "Audio", "Image",
    };

    private static readonly HashSet<string> MediaTypes = ["Video", "Audio", "Image"];

    /// <summary>True when <paramref name="type"/> is shown as a post.</summary>
    public static bool IsPost(string type) => PostTypes.Contains(type);

    /// <summary>True when the object is one of the shapes that get a link to their original (not a plain post).</summary>
    public static bool IsOtherShape(AsObject post) => post.Types.Any(t => t is "Event" or "Question" || MediaTypes.Contains(t));

    /// <summary>The details of an Event, Question or media object, and a link to its original; "" for plain posts.</summary>
    public static string DetailsHtml(AsObject post)
    {
        ArgumentNullException.ThrowIfNull(post);
        if (!IsOtherShape(post) || post.Raw.ValueKind != JsonValueKind.Object)
        {
            return "";
        }

        var html = new StringBuilder();
        var raw = post.Raw;
        if (post.HasType("Event"))
        {
            AppendEvent(html, raw);
        }
        else if (post.HasType("Question"))
        {
            AppendQuestion(html, raw);
        }
        else if (post.Types.FirstOrDefault(MediaTypes.Contains) is { } kind)
        {
            html.Append("<p>").Append(kind).Append(kind == "Image" ? "" : Duration(raw)).Append(": shown on its own server, not loaded here.</p>");
        }

        if (Original(post) is { } original)
        {
            html.Append("<p>Original: <a href=\"").Append(Encode(original.AbsoluteUri)).Append("\">").Append(Encode(original.AbsoluteUri))
                .Append("</a> (").Append(Encode(Hosts.Authority(original))).Append(")</p>");
        }

        return html.ToString();
    }

    /// <summary>Where the object can be seen on its own server: its first web <c>url</c> (HTML first), else its id.</summary>
    public static Uri? Original(AsObject post)
    {
        ArgumentNullException.ThrowIfNull(post);
        return post.Url.FirstOrDefault(IsWeb) ?? (IsWeb(post.Id) ? post.Id : null);
    }

    private static void AppendEvent(StringBuilder html, JsonElement raw)
    {
        var start = Time(raw, "startTime");
        var end = Time(raw, "endTime");
        html.Append("<p>Event");
        if (start is not null)
        {
            html.Append(": starts ").Append(Encode(start)).Append(end is null ? "" : $", ends {Encode(end)}");
        }

        html.Append("</p>");
        if (Place(raw) is { Length: > 0 } place)
        {
            html.Append("<p>Place: ").Append(Encode(place)).Append("</p>");
        }
    }

    private static void AppendQuestion(StringBuilder html, JsonElement raw)
    {
        var several = raw.TryGetProperty("anyOf", out var anyOf) && anyOf.ValueKind == JsonValueKind.Array;
        var options = several ? anyOf : raw.TryGetProperty("oneOf", out var oneOf) && oneOf.ValueKind == JsonValueKind.Array ? oneOf : default;
        html.Append("<p>Poll (").Append(several ? "several answers" : "one answer").Append("; vote on its own server, not here)");
        if (Time(raw, "closed") is { } closed)
        {
            html.Append(", closed ").Append(Encode(closed));
        }
        else if (Time(raw, "endTime") is { } ends)
        {
            html.Append(", closes ").Append(Encode(ends));
        }

        html.Append(":</p>");
        if (options.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        html.Append("<ul>");
        foreach (var option in options.EnumerateArray().Take(20))
        {
            var name = option.ValueKind == JsonValueKind.Object && option.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                ? RemoteText.Plain(n.GetString(), 200) : "";
            var votes = option.ValueKind == JsonValueKind.Object && option.TryGetProperty("replies", out var r) && r.ValueKind == JsonValueKind.Object
                        && r.TryGetProperty("totalItems", out var t) && t.TryGetInt64(out var count) ? count : (long?)null;
            html.Append("<li>").Append(Encode(name.Length > 0 ? name : "(no text)"))
                .Append(votes is null ? "" : $" ({votes} {(votes == 1 ? "vote" : "votes")})").Append("</li>");
        }

        html.Append("</ul>");
    }

    /// <summary>A place's name and address: <c>location</c> as a Place (Mobilizon: <c>address</c> a PostalAddress), or text.</summary>
    private static string Place(JsonElement raw)
    {
        if (!raw.TryGetProperty("location", out var location))
        {
            return "";
        }

        if (location.ValueKind == JsonValueKind.Array)
        {
            location = location.EnumerateArray().FirstOrDefault();
        }

        if (location.ValueKind == JsonValueKind.String)
        {
            return RemoteText.Plain(location.GetString(), 300);
        }

        if (location.ValueKind != JsonValueKind.Object)
        {
            return "";
        }

        var parts = new List<string> { Text(location, "name") };
        if (location.TryGetProperty("address", out var address))
        {
            parts.Add(address.ValueKind == JsonValueKind.String
                ? RemoteText.Plain(address.GetString(), 300)
                : string.Join(", ", new[] { "streetAddress", "postalCode", "addressLocality", "addressRegion", "addressCountry" }
                    .Select(p => Text(address, p)).Where(p => p.Length > 0)));
        }

        return RemoteText.Plain(string.Join(", ", parts.Where(p => p.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)), 300);
    }

    private static string Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? RemoteText.Plain(v.GetString(), 200) : "";

    /// <summary>A time as the page cannot localise text inside a post: "2026-03-01 18:00 UTC".</summary>
    private static string? Time(JsonElement raw, string name) =>
        raw.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)
            : null;

    /// <summary>" (19 min)" from an xsd:duration like PT1145S; "" when absent or unreadable.</summary>
    private static string Duration(JsonElement raw)
    {
        if (!raw.TryGetProperty("duration", out var v) || v.ValueKind != JsonValueKind.String)
        {
            return "";
        }

        try
        {
            var span = System.Xml.XmlConvert.ToTimeSpan(v.GetString()!);
            return span <= TimeSpan.Zero ? "" : span.TotalMinutes < 1 ? $" ({(int)span.TotalSeconds} s)" : $" ({(int)Math.Round(span.TotalMinutes)} min)";
        }
        catch (FormatException)
        {
            return "";
        }
        catch (OverflowException)
        {
            return "";
        }
    }

    private static bool IsWeb(Uri? url) => url is { IsAbsoluteUri: true } && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);

    private static string Encode(string s) => WebUtility.HtmlEncode(s);
}
