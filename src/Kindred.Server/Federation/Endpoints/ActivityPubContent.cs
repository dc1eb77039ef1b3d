using System.Text.Json.Nodes;
using Kindred.ActivityPub.Json;
using Microsoft.Net.Http.Headers;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Endpoints;

/// <summary>Content negotiation between the HTML page and the ActivityStreams document on one URL (ActivityPub §3.2).</summary>
public static class ActivityPubContent
{
    public const string ContentType = "application/activity+json; charset=utf-8";

    /// <summary>True when the client asks for <c>application/activity+json</c> or <c>application/ld+json</c> (any profile).</summary>
    public static bool IsRequested(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted))
        {
            return false;
        }

        return accepted.Any(a => a.Quality is not 0
            && (a.MediaType.Equals("application/activity+json", StringComparison.OrdinalIgnoreCase)
                || a.MediaType.Equals("application/ld+json", StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>A JSON document with the AS2 media type; varies on Accept because the same URL serves HTML too.</summary>
    public static IResult Json(HttpContext http, JsonNode document, string contentType = ContentType, int? status = null)
    {
        http.Response.Headers.Vary = "Accept";
        return TypedResults.Text(JsonOutput.Serialize(document), contentType, statusCode: status);
    }
}
