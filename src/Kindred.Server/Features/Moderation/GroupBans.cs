using System.Data.Common;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Changes;
using Kindred.Server.Features.Groups;
using Kindred.Server.Features.Notifications;
using Kindred.Server.Features.Threads;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Moderation;

/// <summary>A ban as listed to moderators.</summary>
public sealed record BanView
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public Guid? UserId { get; init; }
    public string? ActorId { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public bool RemoveContent { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Someone a moderator acts on: a local account (<see cref="UserId"/>) or a remote member (<see cref="Actor"/>).</summary>
public sealed record MemberTarget(string Name, Guid? UserId, Uri? Actor, Uri? Inbox, string? GroupRole);

/// <summary>
/// Removing members from a group, banning them (with a reason and an optional end, optionally removing what they wrote
/// there) and lifting bans, for people here and on other servers alike. A banned person cannot rejoin (and so cannot
/// post or react) until the ban is lifted or ends. Remote bans are told to every server in the group and to the
/// person's own (the group's <c>Block</c>, Lemmy's shape). The one writer of <c>group_bans</c>.
/// </summary>
public sealed class GroupBans(Database db, GroupQueries groups, PostStore posts, ModerationLog log, Notifications.Notifications notifications,
    ChangeLog changes, TimeProvider time)
{
    public const int MaxReasonLength = 500;

    private const string ViewerRole = "SELECT role FROM users WHERE id = @id";

    /// <summary>The group when <paramref name="viewer"/> may moderate it; 404 when they cannot see it, 403 otherwise.</summary>
    public async Task<Outcome<GroupView>> ModeratedGroupAsync(string slug, Guid viewer, string action, CancellationToken ct)
    {
        var group = await groups.FindAsync(slug, viewer, ct);
        await using var c = await db.OpenAsync(ct);
        var isAdmin = await c.ExecuteScalarAsync<string?>(ViewerRole, new { id = viewer }) == Roles.Admin;
        if (group is null || (!group.CanRead && !(isAdmin && !group.IsRemote)))
        {
            return Outcome<GroupView>.NotFound();
        }

        if (group.IsRemote)
        {
            return Outcome<GroupView>.Forbidden($"This group is hosted on {group.Origin}; only its moderators there can {action}.");
        }

        return group.CanModerate || isAdmin ? Outcome<GroupView>.Success(group) : Outcome<GroupView>.Forbidden($"Only the group's moderators can {action}.");
    }

    private const string LocalByName = """
        SELECT u.id AS user_id, u.username AS name, m.role AS group_role
        FROM users u LEFT JOIN group_members m ON m.group_id = @groupId AND m.user_id = u.id
        WHERE u.username_normalized = @name
        """;

    private const string RemoteByName = """
        SELECT actor_id, name, inbox FROM remote_members
        WHERE group_id = @groupId AND state = 'member' AND (LOWER(name) = @name OR actor_id = @raw)
        """;

    /// <summary>"name" is someone here, "name@host" (or an actor id) a remote member of the group.</summary>
    public static async Task<MemberTarget?> FindMemberAsync(DbConnection c, DbTransaction? tx, Guid groupId, string member)
    {
        member = member.Trim().TrimStart('@');
        if (member.Contains('@', StringComparison.Ordinal) || member.StartsWith("http", StringComparison.OrdinalIgnoreCase))
        {
            var remote = await c.QuerySingleOrDefaultAsync<RemoteRow>(RemoteByName, new { groupId, name = member.ToLowerInvariant(), raw = member }, tx);
            return remote is null ? null : new MemberTarget(remote.Name ?? remote.ActorId, null, new Uri(remote.ActorId), remote.Inbox is null ? null : new Uri(remote.Inbox), GroupRoles.Member);
        }

        var local = await c.QuerySingleOrDefaultAsync<LocalRow>(LocalByName, new { groupId, name = member.ToLowerInvariant() }, tx);
        return local is null ? null : new MemberTarget(local.Name, local.UserId, null, null, local.GroupRole);
    }

    public sealed record BanInput(string? Member, string? Reason, DateTimeOffset? ExpiresAt, bool RemoveContent);

    private const string InsertBan = """
        INSERT INTO group_bans (id, group_id, user_id, actor_id, name, reason, expires_at, remove_content, created_by, created_at)
        VALUES (@id, @groupId, @userId, @actorId, @name, @reason, @expiresAt, @removeContent, @by, @at)
        """;

    public async Task<Outcome<BanView>> BanAsync(string slug, Guid moderatorId, BanInput input, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new Dictionary<string, string>();
        var reason = input.Reason?.Trim();
        if (string.IsNullOrWhiteSpace(input.Member))
        {
            errors["member"] = "Name the member to ban: their username, or name@host for someone on another server.";
        }

        if (string.IsNullOrEmpty(reason))
        {
            errors["reason"] = "Say why; the moderation log keeps it and the member is told.";
        }
        else if (reason.Length > MaxReasonLength)
        {
            errors["reason"] = $"Keep the reason to {MaxReasonLength} characters or fewer.";
        }

        if (input.ExpiresAt is { } until && until <= time.GetUtcNow())
        {
            errors["expiresAt"] = "The end of the ban must be in the future (or leave it empty for a ban without end).";
        }

        if (errors.Count > 0)
        {
            return Outcome<BanView>.Invalid(errors);
        }

        var found = await ModeratedGroupAsync(slug, moderatorId, "ban members", ct);
        if (!found.Ok)
        {
            return found.As<BanView>();
        }

        var group = found.Value!;
        return await db.InTransactionAsync(async (c, tx) =>
        {
            if (await FindMemberAsync(c, tx, group.Id, input.Member!) is not { } target)
            {
                return Outcome<BanView>.NotFound("There is no such member here. Someone on another server can be banned once they have joined.");
            }

            if (target.UserId == moderatorId)
            {
                return Outcome<BanView>.Conflict("You cannot ban yourself.");
            }

            if (target.GroupRole == GroupRoles.Owner)
            {
                return Outcome<BanView>.Conflict("An owner of the group cannot be banned.");
            }

            if (await IsBannedAsync(c, tx, group.Id, target.UserId, target.Actor, time.GetUtcNow()))
            {
                return Outcome<BanView>.Conflict($"{target.Name} is banned already.");
            }

            var at = time.GetUtcNow();
            var ban = new BanView
            {
                Id = Ids.New(time), Name = target.Name, UserId = target.UserId, ActorId = target.Actor?.AbsoluteUri, Reason = reason,
                ExpiresAt = input.ExpiresAt?.ToUniversalTime(), RemoveContent = input.RemoveContent, CreatedAt = at,
            };
            // Stale bans (ended) make way for the new one.
            await c.ExecuteAsync(target.UserId is not null ? DeleteLocalBan : DeleteRemoteBan, new { groupId = group.Id, userId = target.UserId, actorId = ban.ActorId }, tx);
            await c.ExecuteAsync(InsertBan, new
            {
                id = ban.Id, groupId = group.Id, userId = ban.UserId, actorId = ban.ActorId, name = ban.Name, reason = ban.Reason, expiresAt = ban.ExpiresAt,
                removeContent = ban.RemoveContent ? 1 : 0, by = moderatorId, at,
            }, tx);
            if (target.Actor is not null)
            {
                // Recorded before the member row goes, so their own server is among those told.
                await changes.RecordAsync(c, tx, new MemberBanned(group.Id, target.Actor, target.Inbox, await NameAsync(c, tx, moderatorId), reason,
                    ban.ExpiresAt, ban.RemoveContent, at, Lifted: false), ct);
            }

            await MemberStore.RemoveFromGroupAsync(c, tx, group.Id, target.UserId, target.Actor);
            var removedPosts = ban.RemoveContent ? await posts.RemoveAllByAsync(c, tx, group.Id, target.UserId, target.Actor, moderatorId.ToString(), reason) : 0;
            await log.RecordAsync(c, tx, new ModerationEntry
            {
                GroupId = group.Id, ModeratorId = moderatorId, Action = ModerationActions.MemberBanned, TargetKind = ModerationTargets.Member,
                TargetId = target.UserId?.ToString() ?? target.Actor!.AbsoluteUri, TargetLabel = target.Name, Reason = reason, ExpiresAt = ban.ExpiresAt,
                Details = ban.RemoveContent ? $"their content was removed ({removedPosts} posts)" : null,
            });
            if (target.UserId is { } user)
            {
                await notifications.AddAsync(c, tx, user, NotificationKinds.Banned, group.Id, body: reason);
            }

            return Outcome<BanView>.Success(ban);
        }, ct);
    }

    private const string DeleteLocalBan = "DELETE FROM group_bans WHERE group_id = @groupId AND user_id = @userId";
    private const string DeleteRemoteBan = "DELETE FROM group_bans WHERE group_id = @groupId AND actor_id = @actorId";

    private const string FindBan = """
        SELECT id, name, user_id, actor_id, reason, expires_at, remove_content, created_at FROM group_bans
        WHERE group_id = @groupId AND (LOWER(name) = @name OR actor_id = @raw)
        """;

    public async Task<Outcome<BanView>> UnbanAsync(string slug, Guid moderatorId, string member, CancellationToken ct = default)
    {
        var found = await ModeratedGroupAsync(slug, moderatorId, "lift bans", ct);
        if (!found.Ok)
        {
            return found.As<BanView>();
        }

        var group = found.Value!;
        return await db.InTransactionAsync(async (c, tx) =>
        {
            var key = member.Trim().TrimStart('@');
            if (await c.QuerySingleOrDefaultAsync<BanView>(FindBan, new { groupId = group.Id, name = key.ToLowerInvariant(), raw = key }, tx) is not { } ban)
            {
                return Outcome<BanView>.NotFound("That person is not banned from this group.");
            }

            await c.ExecuteAsync(ban.UserId is not null ? DeleteLocalBan : DeleteRemoteBan, new { groupId = group.Id, userId = ban.UserId, actorId = ban.ActorId }, tx);
            if (ban.ActorId is { } actor)
            {
                await changes.RecordAsync(c, tx, new MemberBanned(group.Id, new Uri(actor), null, await NameAsync(c, tx, moderatorId), null, null, false,
                    ban.CreatedAt, Lifted: true), ct);
            }

            await log.RecordAsync(c, tx, new ModerationEntry
            {
                GroupId = group.Id, ModeratorId = moderatorId, Action = ModerationActions.MemberUnbanned, TargetKind = ModerationTargets.Member,
                TargetId = ban.UserId?.ToString() ?? ban.ActorId, TargetLabel = ban.Name,
            });
            if (ban.UserId is { } user)
            {
                await notifications.AddAsync(c, tx, user, NotificationKinds.Unbanned, group.Id);
            }

            return Outcome<BanView>.Success(ban);
        }, ct);
    }

    /// <summary>Removes someone from the group without banning them: they may ask to join again.</summary>
    public async Task<Outcome<MemberTarget>> RemoveMemberAsync(string slug, Guid moderatorId, string member, string? reason, CancellationToken ct = default)
    {
        var found = await ModeratedGroupAsync(slug, moderatorId, "remove members", ct);
        if (!found.Ok)
        {
            return found.As<MemberTarget>();
        }

        var group = found.Value!;
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (reason?.Length > MaxReasonLength)
        {
            return Outcome<MemberTarget>.Invalid("reason", $"Keep the reason to {MaxReasonLength} characters or fewer.");
        }

        return await db.InTransactionAsync(async (c, tx) =>
        {
            if (await FindMemberAsync(c, tx, group.Id, member) is not { } target || (target.UserId is not null && target.GroupRole is null))
            {
                return Outcome<MemberTarget>.NotFound("That person is not a member of this group.");
            }

            if (target.GroupRole == GroupRoles.Owner)
            {
                return Outcome<MemberTarget>.Conflict("An owner of the group cannot be removed.");
            }

            if (target.UserId == moderatorId)
            {
                return Outcome<MemberTarget>.Conflict("To leave the group yourself, use \"Leave this group\".");
            }

            await MemberStore.RemoveFromGroupAsync(c, tx, group.Id, target.UserId, target.Actor);
            await log.RecordAsync(c, tx, new ModerationEntry
            {
                GroupId = group.Id, ModeratorId = moderatorId, Action = ModerationActions.MemberRemoved, TargetKind = ModerationTargets.Member,
                TargetId = target.UserId?.ToString() ?? target.Actor!.AbsoluteUri, TargetLabel = target.Name, Reason = reason,
            });
            if (target.UserId is { } user)
            {
                await notifications.AddAsync(c, tx, user, NotificationKinds.RemovedFromGroup, group.Id, body: reason);
            }

            return Outcome<MemberTarget>.Success(target);
        }, ct);
    }

    private const string List = """
        SELECT id, name, user_id, actor_id, reason, expires_at, remove_content, created_at FROM group_bans
        WHERE group_id = @groupId AND (expires_at IS NULL OR expires_at > @now) AND id < @before
        ORDER BY id DESC
        LIMIT @limit
        """;

    public async Task<Outcome<Page<BanView>>> ListAsync(string slug, Guid moderatorId, string? before, int size = 50, CancellationToken ct = default)
    {
        var found = await ModeratedGroupAsync(slug, moderatorId, "see the bans", ct);
        if (!found.Ok)
        {
            return found.As<Page<BanView>>();
        }

        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<BanView>(List, new { groupId = found.Value!.Id, now = time.GetUtcNow(), before = Cursors.Before(before), limit = size + 1 })).ToList();
        return Outcome<Page<BanView>>.Success(Page<BanView>.From(rows, size, b => b.Id.ToString()));
    }

    private const string BannedLocal = "SELECT COUNT(*) FROM group_bans WHERE group_id = @groupId AND user_id = @userId AND (expires_at IS NULL OR expires_at > @now)";
    private const string BannedRemote = "SELECT COUNT(*) FROM group_bans WHERE group_id = @groupId AND actor_id = @actor AND (expires_at IS NULL OR expires_at > @now)";

    /// <summary>True while a ban on this person (local <paramref name="userId"/> or remote <paramref name="actor"/>) holds.</summary>
    public static async Task<bool> IsBannedAsync(DbConnection c, DbTransaction? tx, Guid groupId, Guid? userId, Uri? actor, DateTimeOffset now) =>
        userId is { } u
            ? await c.ExecuteScalarAsync<long>(BannedLocal, new { groupId, userId = u, now }, tx) > 0
            : actor is not null && await c.ExecuteScalarAsync<long>(BannedRemote, new { groupId, actor = actor.AbsoluteUri, now }, tx) > 0;

    private const string ModeratorName = "SELECT username FROM users WHERE id = @id";

    private static async Task<string> NameAsync(DbConnection c, DbTransaction tx, Guid id) =>
        await c.ExecuteScalarAsync<string>(ModeratorName, new { id }, tx) ?? "";

    private sealed record RemoteRow
    {
        public string ActorId { get; init; } = "";
        public string? Name { get; init; }
        public string? Inbox { get; init; }
    }

    private sealed record LocalRow
    {
        public Guid UserId { get; init; }
        public string Name { get; init; } = "";
        public string? GroupRole { get; init; }
    }
}
