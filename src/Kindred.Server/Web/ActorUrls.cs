using Kindred.Server.Configuration;
using Microsoft.Extensions.Options;

namespace Kindred.Server.Web;

/// <summary>
/// The ActivityPub ids of local actors and their endpoints, all derived from <c>Kindred:PublicUrl</c>. Names are
/// used in their normalised (lower-case) form so one actor has exactly one id.
/// </summary>
public sealed class ActorUrls(IOptions<KindredOptions> options)
{
    private string Base => options.Value.PublicUrl.TrimEnd('/');

    public Uri Origin => new(Base + "/");

    /// <summary>Host with port when not default: the <c>@host</c> part of <c>acct:name@host</c>.</summary>
    public string Authority => Hosts.Authority(Origin);

    /// <summary>FEP-2677 instance actor (an <c>Application</c>), which signs our GETs.</summary>
    public Uri InstanceActor => new(Base + "/actor");

    public Uri SharedInbox => new(Base + "/inbox");

    public Uri User(string username) => new($"{Base}/users/{Uri.EscapeDataString(username.ToLowerInvariant())}");

    public Uri Group(string slug) => new($"{Base}/groups/{Uri.EscapeDataString(slug.ToLowerInvariant())}");

    /// <summary>A local thread as an ActivityPub <c>Page</c> (the same URL serves its HTML page).</summary>
    public Uri Thread(Guid id) => new($"{Base}/threads/{id}");

    /// <summary>A local reply as an ActivityPub <c>Note</c> (HTML requests are redirected into its thread).</summary>
    public Uri Reply(Guid id) => new($"{Base}/replies/{id}");

    /// <summary>The slug when <paramref name="id"/> is a local Group actor id (<c>{PublicUrl}/groups/{slug}</c>), else null.</summary>
    public string? GroupSlugOf(Uri? id)
    {
        if (id is null || !IsLocal(id) || !string.IsNullOrEmpty(id.Query) || !string.IsNullOrEmpty(id.Fragment))
        {
            return null;
        }

        return id.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries) is ["groups", var slug] ? Uri.UnescapeDataString(slug) : null;
    }

    /// <summary>The local id of a thread or reply from one of our own post URLs (<c>/threads/{id}</c>, <c>/replies/{id}</c>), else null.</summary>
    public (Guid Id, bool IsThread)? LocalPostOf(Uri id)
    {
        if (!IsLocal(id) || !string.IsNullOrEmpty(id.Fragment))
        {
            return null;
        }

        return id.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries) switch
        {
            ["threads", var s] when Guid.TryParse(s, out var g) => (g, true),
            ["replies", var s] when Guid.TryParse(s, out var g) => (g, false),
            _ => null,
        };
    }

    /// <summary>A reaction's (Like's) id: <c>{member actor}/likes/{reaction id}</c>. A new id for every reaction, so one
    /// taken back and given again is a new activity for receivers that deduplicate by id.</summary>
    public static Uri Like(Uri actor, Guid reactionId)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return new Uri($"{actor.AbsoluteUri}/likes/{reactionId}");
    }

    public static Uri Sub(Uri actor, string segment) => new(actor.AbsoluteUri + "/" + segment);

    /// <summary>True when <paramref name="id"/> is on this instance's origin.</summary>
    public bool IsLocal(Uri id) => Kindred.ActivityPub.Origins.SameOrigin(id, Origin);

    public bool IsLocal(string id) => Uri.TryCreate(id, UriKind.Absolute, out var u) && IsLocal(u);
}
