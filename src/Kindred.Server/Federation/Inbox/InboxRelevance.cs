using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox;

/// <summary>
/// Whether a verified activity concerns anyone here, so that it is worth storing: it names a local member, group or
/// post that exists (addressed to it, as its object or target, in reply to it, or the same inside an embedded object
/// or activity), or its actor is someone we keep something about (a remote group members here follow, a remote
/// member of one of our groups, a follower of a local actor), or its object is a remote post we store. Anything
/// else (unsolicited posts by strangers, relays, spam) is answered 202 and dropped.
/// </summary>
public sealed class InboxRelevance(Database db, ActorUrls urls)
{
    private const int MaxSubjects = 16;

    private const string HandleExists = "SELECT COUNT(*) FROM handles WHERE name_normalized = @name";
    private const string ThreadExists = "SELECT COUNT(*) FROM threads WHERE id = @id";
    private const string ReplyExists = "SELECT COUNT(*) FROM replies WHERE id = @id";

    private const string KnownActorOrObject = """
        SELECT CASE WHEN EXISTS (SELECT 1 FROM groups WHERE ap_id = @actor AND origin <> 'local')
            OR EXISTS (SELECT 1 FROM remote_members WHERE actor_id = @actor)
            OR EXISTS (SELECT 1 FROM remote_followers WHERE follower_id = @actor)
            OR EXISTS (SELECT 1 FROM threads WHERE ap_id = @o1 OR ap_id = @o2)
            OR EXISTS (SELECT 1 FROM replies WHERE ap_id = @o1 OR ap_id = @o2)
        THEN 1 ELSE 0 END
        """;

    public async Task<bool> ConcernsUsAsync(AsActivity activity, Uri actor, CancellationToken ct)
    {
        var local = new List<Uri>();
        var remoteObjects = new List<string>();
        Collect(activity, local, remoteObjects, depth: 0);

        await using var c = await db.OpenAsync(ct);
        foreach (var id in local.Distinct().Take(MaxSubjects))
        {
            if (await ExistsAsync(c, id))
            {
                return true;
            }
        }

        var objects = remoteObjects.Distinct().Take(2).ToList();
        return await c.ExecuteScalarAsync<long>(KnownActorOrObject, new
        {
            actor = actor.AbsoluteUri,
            o1 = objects.ElementAtOrDefault(0),
            o2 = objects.ElementAtOrDefault(1),
        }) == 1;
    }

    /// <summary>A local URL that names a member or group (by its actor or one of its collections) or a post that exists.</summary>
    private async Task<bool> ExistsAsync(System.Data.Common.DbConnection c, Uri id)
    {
        var segments = id.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments switch
        {
            ["users" or "groups", var name, ..] => await c.ExecuteScalarAsync<long>(HandleExists, new { name = AccountRules.Normalize(Uri.UnescapeDataString(name)) }) > 0,
            ["threads", var s, ..] when Guid.TryParse(s, out var thread) => await c.ExecuteScalarAsync<long>(ThreadExists, new { id = thread }) > 0,
            ["replies", var s, ..] when Guid.TryParse(s, out var reply) => await c.ExecuteScalarAsync<long>(ReplyExists, new { id = reply }) > 0,
            _ => false,
        };
    }

    private void Collect(AsEntity entity, List<Uri> local, List<string> remoteObjects, int depth)
    {
        foreach (var address in entity.To.Concat(entity.Cc).Concat(entity.Bto).Concat(entity.Bcc).Concat(entity.Audience))
        {
            Add(address);
        }

        switch (entity)
        {
            case AsActivity a:
                foreach (var o in a.Objects)
                {
                    Add(o.Id, remote: true);
                    if (o.Embedded is { } embedded && depth < 2)
                    {
                        Collect(embedded, local, remoteObjects, depth + 1);
                    }
                }

                Add(a.Target?.Id);
                break;
            case AsObject o:
                Add(o.InReplyTo, remote: true);
                Add(o.Context);
                break;
        }

        void Add(Uri? id, bool remote = false)
        {
            if (id is null)
            {
                return;
            }

            if (urls.IsLocal(id))
            {
                local.Add(id);
            }
            else if (remote)
            {
                remoteObjects.Add(id.AbsoluteUri);
            }
        }
    }
}
