using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Groups;

/// <summary>Reading groups as one person sees them. Members-only groups are never returned to people outside them.</summary>
public sealed class GroupQueries(Database db)
{
    private const string ViewColumns = """
        g.id, g.slug, g.name, g.description, g.rules, g.visibility, g.join_policy, g.join_question, g.federation, g.created_at, g.origin, g.gone_at,
        (SELECT COUNT(*) FROM group_members c WHERE c.group_id = g.id)
            + (SELECT COUNT(*) FROM remote_members rc WHERE rc.group_id = g.id AND rc.state = 'member') AS member_count,
        m.role AS viewer_role, m.label AS viewer_label,
        (SELECT r.kind FROM join_requests r WHERE r.group_id = g.id AND r.user_id = @viewer) AS viewer_request,
        (SELECT f.state FROM remote_group_follows f WHERE f.group_id = g.id AND f.user_id = @viewer) AS viewer_remote_state
        """;

    private static readonly string BySlug = $"""
        SELECT {ViewColumns}
        FROM groups g LEFT JOIN group_members m ON m.group_id = g.id AND m.user_id = @viewer
        WHERE g.slug_normalized = @slug
        """;

    /// <summary>The group as <paramref name="viewer"/> (Guid.Empty when signed out) sees it; null when unknown or hidden from them.</summary>
    public async Task<GroupView?> FindAsync(string slug, Guid viewer, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var group = await c.QuerySingleOrDefaultAsync<GroupView>(BySlug, new { slug = slug.Trim().ToLowerInvariant(), viewer });
        return group is { CanSee: true } ? group : null;
    }

    // Keyset on the unique slug: alphabetical, stable, and a cursor anyone can read.
    private static readonly string Discover = $"""
        SELECT {ViewColumns}
        FROM groups g LEFT JOIN group_members m ON m.group_id = g.id AND m.user_id = @viewer
        WHERE ((g.visibility = 'public' AND g.origin = 'local') OR m.user_id IS NOT NULL) AND g.slug_normalized > @after
        ORDER BY g.slug_normalized
        LIMIT @limit
        """;

    /// <summary>Every group <paramref name="viewer"/> may read: the public ones and their own.</summary>
    public async Task<Page<GroupView>> ListVisibleAsync(Guid viewer, string? after, int size = Page<GroupView>.DefaultSize, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<GroupView>(Discover, new { viewer, after = Cursors.AfterText(after), limit = size + 1 })).ToList();
        return Page<GroupView>.From(rows, size, g => g.Slug.ToLowerInvariant());
    }

    // Remote groups the viewer asked to join appear too, with their state (pending, rejected) until they are members.
    private static readonly string Mine = $"""
        SELECT {ViewColumns}
        FROM groups g LEFT JOIN group_members m ON m.group_id = g.id AND m.user_id = @viewer
        WHERE (m.user_id IS NOT NULL OR EXISTS (SELECT 1 FROM remote_group_follows f WHERE f.group_id = g.id AND f.user_id = @viewer))
            AND g.slug_normalized > @after
        ORDER BY g.slug_normalized
        LIMIT @limit
        """;

    /// <summary>The groups <paramref name="viewer"/> belongs to, and remote groups they asked to join.</summary>
    public async Task<Page<GroupView>> ListMineAsync(Guid viewer, string? after, int size = Page<GroupView>.DefaultSize, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<GroupView>(Mine, new { viewer, after = Cursors.AfterText(after), limit = size + 1 })).ToList();
        return Page<GroupView>.From(rows, size, g => g.Slug.ToLowerInvariant());
    }
}
