using System.Net.Http.Headers;

namespace Kindred.Server.Federation.Resolution;

/// <summary>
/// Which <c>Content-Type</c> a fetched actor, key or object document must have to be read as ActivityStreams.
/// A server that lets people upload files usually serves them from its own origin as <c>text/html</c>,
/// <c>image/png</c>, <c>application/octet-stream</c> or plain <c>application/json</c>; such a file must never speak
/// for an actor there. Mastodon reads only <c>application/activity+json</c> and <c>application/ld+json</c> with the
/// ActivityStreams profile, and refuses <c>application/json</c>, so every server that federates with it already
/// serves one of those. We accept exactly those two, plus <c>application/ld+json</c> without a profile (ActivityPub
/// §3.2 names it; JSON-LD is what the document is), and refuse <c>application/ld+json</c> with some other profile.
/// </summary>
public static class ActivityPubMediaType
{
    public const string ActivityStreamsProfile = "https://www.w3.org/ns/activitystreams";

    public static bool IsAcceptable(MediaTypeHeaderValue? contentType)
    {
        if (contentType?.MediaType is not { } mediaType)
        {
            return false;
        }

        if (mediaType.Equals("application/activity+json", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!mediaType.Equals("application/ld+json", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var profiles = contentType.Parameters.Where(p => p.Name.Equals("profile", StringComparison.OrdinalIgnoreCase)).ToList();
        // RFC 6839 / JSON-LD 1.1 §9.1: profile is a space-separated list of URIs, usually quoted.
        return profiles.Count == 0
            || profiles.Any(p => (p.Value ?? "").Trim('"').Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(ActivityStreamsProfile, StringComparer.Ordinal));
    }
}
