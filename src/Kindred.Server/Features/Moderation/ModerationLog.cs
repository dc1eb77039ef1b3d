using System.Data.Common;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Moderation;

/// <summary>The names of the actions the moderation log records (its <c>action</c> column).</summary>
public static class ModerationActions
{
    public const string PostRemoved = "post.removed";
    public const string PostRestored = "post.restored";
    public const string PostApproved = "post.approved";
    public const string PostRejected = "post.rejected";
    public const string ThreadLocked = "thread.locked";
    public const string ThreadUnlocked = "thread.unlocked";
    public const string MemberRemoved = "member.removed";
    public const string MemberBanned = "member.banned";
    public const string MemberUnbanned = "member.unbanned";
    public const string MemberWarned = "member.warned";
    public const string ModeratorAdded = "moderator.added";
    public const string ModeratorRemoved = "moderator.removed";
    public const string ModerationChanged = "group.moderation_changed";
    public const string ReportResolved = "report.resolved";
    public const string AccountSuspended = "account.suspended";
    public const string AccountUnsuspended = "account.unsuspended";

    /// <summary>A moderation activity from someone who is not a moderator of the group: logged, never applied.</summary>
    public const string Refused = "remote.refused";
}

/// <summary>What a log entry is about (its <c>target_kind</c> column).</summary>
public static class ModerationTargets
{
    public const string Post = "post";
    public const string Thread = "thread";
    public const string Member = "member";
    public const string Account = "account";
    public const string Report = "report";
    public const string Group = "group";
}

/// <summary>
/// One action to record. <see cref="GroupId"/> null means instance-wide. The moderator is either a local user
/// (<see cref="ModeratorId"/>) or a remote actor (<see cref="RemoteActor"/>, with <see cref="ModeratorName"/> as name@host).
/// </summary>
public sealed record ModerationEntry
{
    public Guid? GroupId { get; init; }
    public Guid? ModeratorId { get; init; }
    public Uri? RemoteActor { get; init; }
    public string? ModeratorName { get; init; }
    public required string Action { get; init; }
    public required string TargetKind { get; init; }
    public string? TargetId { get; init; }
    public string? TargetLabel { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public string? Details { get; init; }
}

/// <summary>An entry as read back. <see cref="ModeratorName"/> is null when the reader may not see who acted.</summary>
public sealed record ModerationLogItem
{
    public Guid Id { get; init; }
    public Guid? GroupId { get; init; }
    public string? GroupSlug { get; init; }
    public string? GroupName { get; init; }
    public string? ModeratorName { get; init; }
    public string Action { get; init; } = "";
    public string TargetKind { get; init; } = "";
    public string? TargetId { get; init; }
    public string? TargetLabel { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public string? Details { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>
/// The moderation log: every moderator and admin action, written in the transaction of the action itself (so a
/// rolled-back removal leaves no entry), read newest first in keyset pages. The one writer of <c>moderation_log</c>.
/// </summary>
public sealed class ModerationLog(Database db, TimeProvider time)
{
    private const string Insert = """
        INSERT INTO moderation_log (id, group_id, moderator_id, remote_actor, moderator_name, action, target_kind,
            target_id, target_label, reason, expires_at, details, created_at)
        VALUES (@id, @GroupId, @ModeratorId, @remoteActor, @ModeratorName, @Action, @TargetKind,
            @TargetId, @TargetLabel, @Reason, @ExpiresAt, @Details, @at)
        """;

    /// <summary>Records <paramref name="entry"/> on the caller's connection and transaction; returns the entry's id.</summary>
    public async Task<Guid> RecordAsync(DbConnection c, DbTransaction tx, ModerationEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.Action);
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.TargetKind);
        var id = Ids.New(time);
        await c.ExecuteAsync(Insert, new
        {
            id,
            entry.GroupId,
            entry.ModeratorId,
            remoteActor = entry.RemoteActor?.AbsoluteUri,
            entry.ModeratorName,
            entry.Action,
            entry.TargetKind,
            entry.TargetId,
            entry.TargetLabel,
            entry.Reason,
            ExpiresAt = entry.ExpiresAt?.ToUniversalTime(),
            entry.Details,
            at = time.GetUtcNow(),
        }, tx);
        return id;
    }

    private const string Select = """
        SELECT l.id, l.group_id, g.slug AS group_slug, g.name AS group_name,
            CASE WHEN @names THEN COALESCE(u.username, l.moderator_name, l.remote_actor) ELSE NULL END AS moderator_name,
            l.action, l.target_kind, l.target_id, l.target_label, l.reason, l.expires_at, l.details, l.created_at
        FROM moderation_log l
            LEFT JOIN groups g ON g.id = l.group_id
            LEFT JOIN users u ON u.id = l.moderator_id
        """;

    private const string ForGroup = Select + """

        WHERE l.group_id = @groupId AND l.id < @before
        ORDER BY l.id DESC
        LIMIT @limit
        """;

    /// <summary>A group's log, newest first. <paramref name="withModerators"/> false (members) leaves moderator names out.</summary>
    public async Task<Page<ModerationLogItem>> ListForGroupAsync(Guid groupId, bool withModerators, string? before = null,
        int size = Page<ModerationLogItem>.DefaultSize, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<ModerationLogItem>(ForGroup,
            new { groupId, names = withModerators, before = Cursors.Before(before), limit = size + 1 })).ToList();
        return Page<ModerationLogItem>.From(rows, size, i => i.Id.ToString());
    }

    // What members read: no names, no private actions (warnings, how reports were resolved, refused remote activities),
    // and a removal's reason only when the moderator chose to show it to members.
    private const string ForMembers = """
        SELECT l.id, l.group_id, g.slug AS group_slug, g.name AS group_name, NULL AS moderator_name,
            l.action, l.target_kind, l.target_id, l.target_label,
            CASE WHEN l.action <> 'post.removed' OR l.details = @shown THEN l.reason ELSE NULL END AS reason,
            l.expires_at, l.details, l.created_at
        FROM moderation_log l
            LEFT JOIN groups g ON g.id = l.group_id
        WHERE l.group_id = @groupId AND l.id < @before AND l.action NOT IN ('member.warned', 'report.resolved', 'remote.refused')
        ORDER BY l.id DESC
        LIMIT @limit
        """;

    /// <summary>The details text of a removal whose reason its moderator chose to show to members.</summary>
    public const string ReasonShownToMembers = "reason shown to members";

    /// <summary>A group's log as its members read it, newest first: without moderator names, private actions or hidden reasons.</summary>
    public async Task<Page<ModerationLogItem>> ListForMembersAsync(Guid groupId, string? before = null,
        int size = Page<ModerationLogItem>.DefaultSize, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<ModerationLogItem>(ForMembers,
            new { groupId, shown = ReasonShownToMembers, before = Cursors.Before(before), limit = size + 1 })).ToList();
        return Page<ModerationLogItem>.From(rows, size, i => i.Id.ToString());
    }

    private const string ForInstance = Select + """

        WHERE l.id < @before AND (@all OR l.group_id IS NULL)
        ORDER BY l.id DESC
        LIMIT @limit
        """;

    /// <summary>The instance log for admins, newest first: every entry (each with its group), or with
    /// <paramref name="instanceWideOnly"/> only those of no group (suspensions and the like).</summary>
    public async Task<Page<ModerationLogItem>> ListForInstanceAsync(bool withModerators = true, bool instanceWideOnly = false,
        string? before = null, int size = Page<ModerationLogItem>.DefaultSize, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<ModerationLogItem>(ForInstance,
            new { all = !instanceWideOnly, names = withModerators, before = Cursors.Before(before), limit = size + 1 })).ToList();
        return Page<ModerationLogItem>.From(rows, size, i => i.Id.ToString());
    }
}
