using System.Text;
using System.Text.Json;
using static Kindred.ActivityPub.Vocabulary.JsonValues;

namespace Kindred.ActivityPub.Vocabulary;

/// <summary>Limits for untrusted input.</summary>
public sealed record ActivityStreamsParserOptions
{
    /// <summary>Maximum JSON nesting depth. Real activities nest 5-8 deep; 32 leaves room.</summary>
    public int MaxDepth { get; init; } = 32;

    /// <summary>How many levels of embedded entities are turned into model objects (deeper ones stay
    /// references with just an id).</summary>
    public int MaxEmbeddingDepth { get; init; } = 6;

    /// <summary>Maximum document size in bytes (Mastodon caps inbox bodies at 1 MB).</summary>
    public int MaxBytes { get; init; } = 1024 * 1024;
}

/// <summary>
/// Parses any ActivityStreams 2.0 document into the tolerant model: an <see cref="AsActivity"/>,
/// <see cref="AsActor"/>, <see cref="AsCollection"/> or <see cref="AsObject"/>. No JSON-LD
/// expansion: like every fediverse server, it reads the compacted form with the AS2 context's
/// terms (AS2 Core §2.1 requires publishers to use them). Thread-safe.
/// </summary>
public sealed class ActivityStreamsParser(ActivityStreamsParserOptions? options = null)
{
    private static readonly HashSet<string> ActorTypes = ["Person", "Group", "Service", "Application", "Organization"];
    private static readonly HashSet<string> CollectionTypes = ["Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"];

    // AS2 Vocabulary §3.1 activity types plus the extensions peers send (Lemmy Lock, Misskey EmojiReact...).
    private static readonly HashSet<string> ActivityTypes =
    [
        "Accept", "Add", "Announce", "Arrive", "Block", "Create", "Delete", "Dislike", "Flag", "Follow", "Ignore",
        "Invite", "Join", "Leave", "Like", "Listen", "Move", "Offer", "Read", "Reject", "Remove", "TentativeAccept",
        "TentativeReject", "Travel", "Undo", "Update", "View", "Lock", "EmojiReact", "QuoteRequest",
    ];

    public ActivityStreamsParserOptions Options { get; } = options ?? new ActivityStreamsParserOptions();

    /// <exception cref="ActivityStreamsParseException">Invalid, too large, too deep, or not a JSON object.</exception>
    public AsEntity Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.Length > Options.MaxBytes)
        {
            throw new ActivityStreamsParseException(ParseFailure.TooLarge, $"Document is {utf8Json.Length} bytes; the limit is {Options.MaxBytes}.");
        }

        // Before the tolerant reader sees anything: invalid text and duplicate properties are refused
        // outright (System.Text.Json would accept both here and throw, or pick one, later).
        if (StrictJson.Check(utf8Json, Options.MaxDepth) is { } refused)
        {
            throw new ActivityStreamsParseException(refused.Failure, refused.Message);
        }

        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { MaxDepth = Options.MaxDepth });
            root = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            var reason = ExceedsDepth(utf8Json, Options.MaxDepth) ? ParseFailure.TooDeep : ParseFailure.InvalidJson;
            throw new ActivityStreamsParseException(reason, reason == ParseFailure.TooDeep ? $"JSON nested deeper than {Options.MaxDepth}." : "Invalid JSON.", ex);
        }

        return Parse(root);
    }

    public AsEntity Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > Options.MaxBytes)
        {
            throw new ActivityStreamsParseException(ParseFailure.TooLarge, "Document too large.");
        }

        return Parse(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Parses an element that is already in memory (it is cloned, so the caller may dispose its document).</summary>
    public AsEntity Parse(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ActivityStreamsParseException(ParseFailure.NotAnObject, "An ActivityStreams document is a JSON object.");
        }

        try
        {
            return ParseEntity(element.Clone(), 0);
        }
        catch (InvalidOperationException ex)
        {
            // Only reachable for an element parsed elsewhere: System.Text.Json throws this when a string
            // holds invalid UTF-8 or an unpaired surrogate (the byte overloads refuse those up front).
            throw new ActivityStreamsParseException(ParseFailure.InvalidText, "A JSON string is not valid Unicode.", ex);
        }
    }

    public AsActivity ParseActivity(ReadOnlySpan<byte> utf8Json) => Parse(utf8Json) as AsActivity
        ?? throw new ActivityStreamsParseException(ParseFailure.WrongKind, "The document is not an activity.");

    public AsActor ParseActor(ReadOnlySpan<byte> utf8Json) => Parse(utf8Json) as AsActor
        ?? throw new ActivityStreamsParseException(ParseFailure.WrongKind, "The document is not an actor.");

    private AsEntity ParseEntity(JsonElement e, int depth)
    {
        var types = Types(e);
        if (types.Any(ActorTypes.Contains))
        {
            return Fill(e, depth, ParseActor(e));
        }

        if (types.Any(ActivityTypes.Contains) || (TryGet(e, "actor", out _) && TryGet(e, "object", out _)))
        {
            var objects = References(e, "object", depth);
            return Fill(e, depth, new AsActivity
            {
                Actor = FirstId(e, "actor"),
                Objects = objects,
                Object = objects.Count > 0 ? objects[0] : null,
                Target = References(e, "target", depth).FirstOrDefault(),
            });
        }

        if (types.Any(CollectionTypes.Contains))
        {
            return Fill(e, depth, new AsCollection
            {
                TotalItems = Long(e, "totalItems"),
                First = References(e, "first", depth).FirstOrDefault(),
                Next = References(e, "next", depth).FirstOrDefault(),
                Items = [.. References(e, "orderedItems", depth), .. References(e, "items", depth)],
            });
        }

        return Fill(e, depth, ParseObject(e));
    }

    private static AsObject ParseObject(JsonElement e) => new()
    {
        Content = LangString(e, "content"),
        MediaType = String(e, "mediaType"),
        Source = TryGet(e, "source", out var s) && String(s, "content") is { } sc ? new AsSource(sc, String(s, "mediaType")) : null,
        InReplyTo = FirstId(e, "inReplyTo"),
        Context = FirstId(e, "context"),
        Conversation = String(e, "conversation"),
        Sensitive = Bool(e, "sensitive") ?? false,
        Tags = Items(e, "tag").Where(t => t.ValueKind == JsonValueKind.Object)
            .Select(t => new AsTag(FirstOrEmpty(Types(t)), ToUri(String(t, "href")) ?? ToUri(String(t, "id")), String(t, "name")))
            .ToArray(),
        Attachments = Items(e, "attachment").Select(a => a.ValueKind == JsonValueKind.String
                ? new AsAttachment("Link", ToUri(a.GetString()), null, null)
                : new AsAttachment(FirstOrEmpty(Types(a)), FirstOrNull(Urls(a, "url")) ?? ToUri(String(a, "href")), String(a, "mediaType"), String(a, "name")))
            .ToArray(),
    };

    private static AsActor ParseActor(JsonElement e) => new()
    {
        PreferredUsername = String(e, "preferredUsername"),
        Inbox = FirstId(e, "inbox"),
        Outbox = FirstId(e, "outbox"),
        Followers = FirstId(e, "followers"),
        Following = FirstId(e, "following"),
        Featured = FirstId(e, "featured"),
        SharedInbox = TryGet(e, "endpoints", out var endpoints) ? FirstId(endpoints, "sharedInbox") : null,
        PublicKeys = Items(e, "publicKey")
            .Where(k => String(k, "id") is not null && String(k, "publicKeyPem") is not null)
            .Select(k => new AsPublicKey(String(k, "id")!, FirstId(k, "owner"), String(k, "publicKeyPem")!))
            .ToArray(),
        AssertionMethods = Items(e, "assertionMethod")
            .Where(k => String(k, "id") is not null && String(k, "publicKeyMultibase") is not null)
            .Select(k => new AsMultikey(String(k, "id")!, FirstId(k, "controller"), String(k, "publicKeyMultibase")!))
            .ToArray(),
        ManuallyApprovesFollowers = Bool(e, "manuallyApprovesFollowers") ?? false,
        PostingRestrictedToMods = Bool(e, "postingRestrictedToMods") ?? false,
        // FEP-1b12: a Group's attributedTo is its moderators collection (Lemmy); some send "moderators".
        Moderators = FirstId(e, "moderators") ?? (Types(e).Contains("Group") ? FirstId(e, "attributedTo") : null),
        Discoverable = Bool(e, "discoverable"),
        Indexable = Bool(e, "indexable"),
    };

    /// <summary>Fills the properties every entity shares.</summary>
    private T Fill<T>(JsonElement e, int depth, T entity)
        where T : AsEntity
    {
        var attributedTo = References(e, "attributedTo", depth);
        return entity with
        {
            Id = ToUri(String(e, "id")),
            Types = Types(e),
            Name = LangString(e, "name"),
            Summary = LangString(e, "summary"),
            To = Addresses(e, "to"),
            Cc = Addresses(e, "cc"),
            Bto = Addresses(e, "bto"),
            Bcc = Addresses(e, "bcc"),
            Audience = Addresses(e, "audience"),
            Published = Date(e, "published"),
            Updated = Date(e, "updated"),
            AttributedTo = attributedTo,
            AttributedToActor = (attributedTo.FirstOrDefault(r => r.Embedded is { } x && !x.HasType("Group")) ?? attributedTo.FirstOrDefault())?.Id,
            Url = Urls(e, "url"),
            Icon = FirstOrNull(Urls(e, "icon")),
            Image = FirstOrNull(Urls(e, "image")),
            Raw = e,
        };
    }

    private List<AsReference> References(JsonElement obj, string name, int depth)
    {
        var result = new List<AsReference>();
        foreach (var item in Items(obj, name))
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                result.Add(new AsReference(ToUri(item.GetString()), null));
            }
            else if (item.ValueKind == JsonValueKind.Object)
            {
                // Bound the recursion independently of JSON depth, so model building can never run away.
                var embedded = depth + 1 <= Options.MaxEmbeddingDepth ? ParseEntity(item, depth + 1) : null;
                result.Add(new AsReference(IdOf(item), embedded));
            }
        }

        return result;
    }

    private static string FirstOrEmpty(IReadOnlyList<string> list) => list.Count > 0 ? list[0] : "";

    private static Uri? FirstOrNull(IReadOnlyList<Uri> list) => list.Count > 0 ? list[0] : null;

    /// <summary>Iterative scan (no recursion) to tell "too deep" from other JSON errors.</summary>
    private static bool ExceedsDepth(ReadOnlySpan<byte> json, int maxDepth)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = int.MaxValue / 2 });
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth >= maxDepth)
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            return reader.CurrentDepth >= maxDepth;
        }

        return false;
    }
}
