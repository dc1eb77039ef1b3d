using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kindred.ActivityPub.Json;

/// <summary>
/// The one place outbound JSON becomes text or bytes. Uses relaxed escaping so '+', '&lt;' and
/// non-ASCII text appear literally (as Mastodon and Lemmy send them): our documents are served as
/// <c>application/activity+json</c> / <c>application/jrd+json</c>, never inlined into HTML, and
/// quotes, backslashes and control characters are still escaped as RFC 8259 §7 requires.
/// </summary>
public static class JsonOutput
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Serialize(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.ToJsonString(Options);
    }

    public static byte[] SerializeToUtf8Bytes(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return JsonSerializer.SerializeToUtf8Bytes(node, Options);
    }
}
