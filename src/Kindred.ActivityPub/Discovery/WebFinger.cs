using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kindred.ActivityPub.Discovery;

/// <summary>A JRD link (RFC 7033 §4.4.4).</summary>
public sealed record JrdLink(string Rel, string? Type = null, string? Href = null, string? Template = null);

/// <summary>A JSON Resource Descriptor (RFC 7033 §4.4), as served at <c>/.well-known/webfinger</c>.</summary>
public sealed record Jrd(string Subject, IReadOnlyList<string> Aliases, IReadOnlyList<JrdLink> Links)
{
    public const string MediaType = "application/jrd+json";

    /// <summary>Rel of the ActivityPub actor link (Mastodon convention).</summary>
    public const string SelfRel = "self";

    /// <summary>The ActivityPub actor: the <c>self</c> link with an ActivityStreams media type.</summary>
    public Uri? ActorId => Links
        .Where(l => l.Rel == SelfRel && l.Href is not null && l.Type is { } t && (t.StartsWith("application/activity+json", StringComparison.Ordinal) || t.StartsWith("application/ld+json", StringComparison.Ordinal)))
        .Select(l => Uri.TryCreate(l.Href, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp) ? u : null)
        .FirstOrDefault(u => u is not null);

    /// <summary>The JRD for a local actor: subject acct:, aliases, self link and profile page.</summary>
    public static Jrd ForActor(AcctUri subject, Uri actorId, Uri? profilePage = null)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(actorId);
        var links = new List<JrdLink> { new(SelfRel, ActivityStreams.MediaType, actorId.AbsoluteUri) };
        if (profilePage is not null)
        {
            links.Add(new JrdLink("http://webfinger.net/rel/profile-page", "text/html", profilePage.AbsoluteUri));
        }

        string[] aliases = profilePage is null ? [actorId.AbsoluteUri] : [actorId.AbsoluteUri, profilePage.AbsoluteUri];
        return new Jrd(subject.ToString(), aliases, links);
    }

    public JsonObject ToJson()
    {
        var links = new JsonArray();
        foreach (var l in Links)
        {
            var o = new JsonObject { ["rel"] = l.Rel };
            if (l.Type is not null)
            {
                o["type"] = l.Type;
            }

            if (l.Href is not null)
            {
                o["href"] = l.Href;
            }

            if (l.Template is not null)
            {
                o["template"] = l.Template;
            }

            links.Add(o);
        }

        return new JsonObject
        {
            ["subject"] = Subject,
            ["aliases"] = new JsonArray(Aliases.Select(a => (JsonNode)JsonValue.Create(a)).ToArray()),
            ["links"] = links,
        };
    }

    /// <summary>Parses a remote JRD tolerantly (missing arrays become empty); throws
    /// <see cref="FormatException"/> when it is not JSON or has no subject.</summary>
    public static Jrd Parse(ReadOnlySpan<byte> utf8Json, int maxBytes = 256 * 1024)
    {
        if (utf8Json.Length > maxBytes)
        {
            throw new FormatException("WebFinger response too large.");
        }

        try
        {
            using var doc = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("subject", out var subject) || subject.ValueKind != JsonValueKind.String)
            {
                throw new FormatException("A JRD needs a subject.");
            }

            var aliases = root.TryGetProperty("aliases", out var a) && a.ValueKind == JsonValueKind.Array
                ? a.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToArray()
                : [];
            var links = root.TryGetProperty("links", out var l) && l.ValueKind == JsonValueKind.Array
                ? l.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object && Str(x, "rel") is not null)
                    .Select(x => new JrdLink(Str(x, "rel")!, Str(x, "type"), Str(x, "href"), Str(x, "template"))).ToArray()
                : [];
            return new Jrd(subject.GetString()!, aliases, links);
        }
        catch (JsonException ex)
        {
            throw new FormatException("WebFinger response is not valid JSON.", ex);
        }
        catch (InvalidOperationException ex)
        {
            // System.Text.Json parses invalid UTF-8 and unpaired surrogate escapes, and throws this when the
            // string is read: a remote server must not be able to turn that into anything but "not a JRD".
            throw new FormatException("WebFinger response has a string that is not valid Unicode.", ex);
        }

        static string? Str(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }
}
