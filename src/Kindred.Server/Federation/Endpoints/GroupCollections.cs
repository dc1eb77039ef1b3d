using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Web;

using Kindred.Server.Features.Threads;

namespace Kindred.Server.Federation.Endpoints;

/// <summary>
/// The collections a Group actor links (FEP-1b12): followers (its members everywhere), outbox (what it announced),
/// featured (pinned threads) and moderators. Served under the same rules as the actor: never for local-only groups;
/// for members-only groups only to a signed request from an instance with a member, or to a signed-in local member.
/// The followers list itself is private: outsiders get only <c>totalItems</c>, the group's own moderators the list.
/// </summary>
public static class GroupCollections
{
    public const int OutboxPageSize = 20;

    public static IEndpointRouteBuilder MapGroupCollections(this IEndpointRouteBuilder app)
    {
        app.MapGet("/groups/{slug}/followers", (string slug, HttpContext http) => ServeAsync(http, slug, Followers));
        app.MapGet("/groups/{slug}/outbox", (string slug, HttpContext http) => ServeAsync(http, slug, Outbox));
        app.MapGet("/groups/{slug}/featured", (string slug, HttpContext http) => ServeAsync(http, slug, Featured));
        app.MapGet("/groups/{slug}/moderators", (string slug, HttpContext http) => ServeAsync(http, slug, Moderators));
        return app;
    }

    private const string ViewerRole = "SELECT role FROM group_members WHERE group_id = @groupId AND user_id = @viewer";

    private static async Task<IResult> ServeAsync(HttpContext http, string slug, Func<Context, Task<JsonObject>> collection)
    {
        var services = http.RequestServices;
        await using var c = await services.GetRequiredService<Database>().OpenAsync(http.RequestAborted);
        var group = await c.QuerySingleOrDefaultAsync<GroupActorRow>(GroupActor.BySlug, new { slug = slug.ToLowerInvariant() });
        if (group is null || !GroupAnnouncer.Federates(group))
        {
            return Results.NotFound();
        }

        var viewer = http.Viewer();
        var role = viewer == Guid.Empty ? null : await c.QuerySingleOrDefaultAsync<string?>(ViewerRole, new { groupId = group.Id, viewer });
        if (group.Visibility != "public" && role is null && !await ObjectEndpoints.FromMemberInstanceAsync(http, c, group.Id))
        {
            return Results.NotFound();
        }

        var urls = services.GetRequiredService<ActorUrls>();
        var id = urls.Group(group.Slug);
        return ActivityPubContent.Json(http, await collection(new Context(http, c, group, id, GroupRoles.CanModerate(role))));
    }

    private sealed record Context(HttpContext Http, DbConnection Connection, GroupActorRow Group, Uri GroupId, bool ViewerModerates)
    {
        public ActorUrls Urls => Http.RequestServices.GetRequiredService<ActorUrls>();
    }

    private const string FollowerCount = """
        SELECT (SELECT COUNT(*) FROM group_members WHERE group_id = @groupId)
             + (SELECT COUNT(*) FROM remote_members WHERE group_id = @groupId AND state = 'member')
        """;

    private const string LocalMembers = "SELECT u.username FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = @groupId ORDER BY u.username_normalized";
    private const string RemoteMemberIds = "SELECT actor_id FROM remote_members WHERE group_id = @groupId AND state = 'member' ORDER BY actor_id";

    /// <summary>Everyone in the group, here and elsewhere. Who is in a support group is private: only its moderators see the list.</summary>
    private static async Task<JsonObject> Followers(Context x)
    {
        var id = ActorUrls.Sub(x.GroupId, "followers");
        var total = await x.Connection.ExecuteScalarAsync<long>(FollowerCount, new { groupId = x.Group.Id });
        if (!x.ViewerModerates)
        {
            return ActivityJson.OrderedCollection(id, total);
        }

        var local = (await x.Connection.QueryAsync<string>(LocalMembers, new { groupId = x.Group.Id })).Select(u => (JsonNode)x.Urls.User(u).AbsoluteUri);
        var remote = (await x.Connection.QueryAsync<string>(RemoteMemberIds, new { groupId = x.Group.Id })).Select(a => (JsonNode)a);
        return ActivityJson.OrderedCollection(id, total, orderedItems: [.. local, .. remote]);
    }

    private const string OutboxCount = "SELECT COUNT(*) FROM group_activities WHERE group_id = @groupId";
    private const string OutboxItems = "SELECT body FROM group_activities WHERE group_id = @groupId ORDER BY id DESC LIMIT @limit";

    /// <summary>The newest announced activities: the collection with <c>totalItems</c> and a first page (<c>?page=1</c>).</summary>
    private static async Task<JsonObject> Outbox(Context x)
    {
        var id = ActorUrls.Sub(x.GroupId, "outbox");
        var first = new Uri(id.AbsoluteUri + "?page=1");
        var total = await x.Connection.ExecuteScalarAsync<long>(OutboxCount, new { groupId = x.Group.Id });
        if (x.Http.Request.Query["page"].Count == 0)
        {
            return ActivityJson.OrderedCollection(id, total, first);
        }

        var bodies = await x.Connection.QueryAsync<string>(OutboxItems, new { groupId = x.Group.Id, limit = OutboxPageSize });
        var items = bodies.Select(b => (JsonNode)ActivityJson.Embed(JsonNode.Parse(b)!.AsObject()));
        return ActivityJson.OrderedCollectionPage(first, id, items, totalItems: total);
    }

    private const string Pinned = """
        SELECT id FROM threads WHERE group_id = @groupId AND pinned_at IS NOT NULL AND deleted_at IS NULL ORDER BY pinned_at DESC LIMIT 50
        """;

    /// <summary>Pinned threads as Pages (Lemmy shows them as the community's featured posts).</summary>
    private static async Task<JsonObject> Featured(Context x)
    {
        var posts = x.Http.RequestServices.GetRequiredService<LocalPosts>();
        var outboxGroup = x.Http.RequestServices.GetRequiredService<GroupAnnouncer>().ToOutbox(x.Group);
        var items = new List<JsonNode>();
        foreach (var threadId in (await x.Connection.QueryAsync<Guid>(Pinned, new { groupId = x.Group.Id })).ToList())
        {
            if (await posts.FindAsync(x.Connection, null, threadId) is { } post)
            {
                // Remote members' threads are referenced by id: their home server is the authority for their content.
                items.Add(post.IsLocal ? ActivityJson.Post(GroupOutbox.Document(outboxGroup, post.Post)) : ActivityJson.Ref(post.Post.Id));
            }
        }

        return ActivityJson.OrderedCollection(ActorUrls.Sub(x.GroupId, "featured"), items.Count, orderedItems: items);
    }

    private const string ModeratorNames = """
        SELECT u.username FROM group_members m JOIN users u ON u.id = m.user_id
        WHERE m.group_id = @groupId AND m.role IN ('owner', 'moderator') AND u.status = 'active'
        ORDER BY u.username_normalized
        """;

    /// <summary>The owners and moderators (FEP-1b12 <c>attributedTo</c>; Lemmy <c>moderators</c>).</summary>
    private static async Task<JsonObject> Moderators(Context x)
    {
        var names = (await x.Connection.QueryAsync<string>(ModeratorNames, new { groupId = x.Group.Id })).ToList();
        return ActivityJson.OrderedCollection(ActorUrls.Sub(x.GroupId, "moderators"), names.Count,
            orderedItems: names.Select(n => (JsonNode)x.Urls.User(n).AbsoluteUri));
    }
}
