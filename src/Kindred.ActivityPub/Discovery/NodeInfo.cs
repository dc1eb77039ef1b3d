using System.Globalization;
using System.Text.Json.Nodes;

namespace Kindred.ActivityPub.Discovery;

/// <summary>Values for a NodeInfo document (<c>http://nodeinfo.diaspora.software/ns/schema/2.1</c>).</summary>
public sealed record NodeInfoDocument
{
    public required string SoftwareName { get; init; }

    public required string SoftwareVersion { get; init; }

    public Uri? SoftwareRepository { get; init; }

    public Uri? SoftwareHomepage { get; init; }

    public bool OpenRegistrations { get; init; }

    /// <summary>Null omits usage counts; small instances may prefer not to reveal them.</summary>
    public long? TotalUsers { get; init; }

    public long? ActiveMonth { get; init; }

    public long? ActiveHalfyear { get; init; }

    public long? LocalPosts { get; init; }

    public JsonObject? Metadata { get; init; }
}

/// <summary>NodeInfo 2.0 / 2.1 documents and the <c>/.well-known/nodeinfo</c> links document.</summary>
public static class NodeInfo
{
    public const string Schema20 = "http://nodeinfo.diaspora.software/ns/schema/2.0";
    public const string Schema21 = "http://nodeinfo.diaspora.software/ns/schema/2.1";

    /// <summary>FEP-2677: the rel that points at the instance's Application actor.</summary>
    public const string ApplicationActorRel = "https://www.w3.org/ns/activitystreams#Application";

    /// <summary>The well-known links document, optionally advertising the FEP-2677 application actor.</summary>
    public static JsonObject WellKnown(Uri nodeInfo21, Uri? nodeInfo20 = null, Uri? applicationActor = null)
    {
        ArgumentNullException.ThrowIfNull(nodeInfo21);
        var links = new JsonArray { new JsonObject { ["rel"] = Schema21, ["href"] = nodeInfo21.AbsoluteUri } };
        if (nodeInfo20 is not null)
        {
            links.Add(new JsonObject { ["rel"] = Schema20, ["href"] = nodeInfo20.AbsoluteUri });
        }

        if (applicationActor is not null)
        {
            links.Add(new JsonObject { ["rel"] = ApplicationActorRel, ["href"] = applicationActor.AbsoluteUri });
        }

        return new JsonObject { ["links"] = links };
    }

    /// <summary>The document, version "2.1" or "2.0" (2.0 has no software repository/homepage).</summary>
    public static JsonObject Build(NodeInfoDocument d, string version = "2.1")
    {
        ArgumentNullException.ThrowIfNull(d);
        if (version is not ("2.0" or "2.1"))
        {
            throw new ArgumentOutOfRangeException(nameof(version));
        }

        // Schema: software.name is lower-case letters, digits and '-'.
        var software = new JsonObject { ["name"] = d.SoftwareName.ToLower(CultureInfo.InvariantCulture), ["version"] = d.SoftwareVersion };
        if (version == "2.1")
        {
            if (d.SoftwareRepository is not null)
            {
                software["repository"] = d.SoftwareRepository.AbsoluteUri;
            }

            if (d.SoftwareHomepage is not null)
            {
                software["homepage"] = d.SoftwareHomepage.AbsoluteUri;
            }
        }

        var users = new JsonObject();
        if (d.TotalUsers is { } total)
        {
            users["total"] = total;
        }

        if (d.ActiveMonth is { } month)
        {
            users["activeMonth"] = month;
        }

        if (d.ActiveHalfyear is { } half)
        {
            users["activeHalfyear"] = half;
        }

        var usage = new JsonObject { ["users"] = users };
        if (d.LocalPosts is { } posts)
        {
            usage["localPosts"] = posts;
        }

        return new JsonObject
        {
            ["version"] = version,
            ["software"] = software,
            ["protocols"] = new JsonArray("activitypub"),
            ["services"] = new JsonObject { ["inbound"] = new JsonArray(), ["outbound"] = new JsonArray() },
            ["openRegistrations"] = d.OpenRegistrations,
            ["usage"] = usage,
            ["metadata"] = d.Metadata?.DeepClone() ?? new JsonObject(),
        };
    }
}

/// <summary><c>/.well-known/host-meta</c> (RFC 6415): an XRD with the WebFinger template, for
/// older clients that discover WebFinger this way.</summary>
public static class HostMeta
{
    public const string MediaType = "application/xrd+xml";

    public static string BuildXrd(Uri baseUri)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        var root = baseUri.GetLeftPart(UriPartial.Authority);
        var template = System.Security.SecurityElement.Escape($"{root}/.well-known/webfinger?resource={{uri}}");
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n"
            + $"  <Link rel=\"lrdd\" type=\"application/jrd+json\" template=\"{template}\"/>\n"
            + "</XRD>\n";
    }
}
