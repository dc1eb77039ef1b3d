namespace Kindred.ActivityPub;

/// <summary>Well-known ActivityStreams 2.0 constants.</summary>
public static class ActivityStreams
{
    /// <summary>The special Public collection (ActivityPub §5.6). Peers also write it as
    /// <c>as:Public</c> or <c>Public</c> (compacted JSON-LD); the parser normalises all of them to this.</summary>
    public const string PublicCollection = "https://www.w3.org/ns/activitystreams#Public";

    public static readonly Uri PublicCollectionUri = new(PublicCollection);

    /// <summary>Media type for ActivityStreams documents (ActivityPub §3.2).</summary>
    public const string MediaType = "application/activity+json";

    /// <summary>The JSON-LD profile form peers also accept and send (ActivityPub §3.2).</summary>
    public const string LdJsonMediaType = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
}
