using System.Data.Common;

namespace Kindred.Server.Features.Changes;

/// <summary>
/// Something a feature changed that other servers may need to hear about. Features record changes inside their own
/// transaction and never build ActivityPub themselves; Federation's outbox writer turns each change into activities
/// and delivery jobs in that same transaction, so a rolled-back change sends nothing (STYLE.md 12).
/// </summary>
public abstract record Change;

public enum PostChange
{
    Created,
    Edited,
    Deleted,
}

/// <summary>A thread or reply written here was created, edited or deleted.</summary>
public sealed record PostChanged(Guid PostId, PostChange Kind) : Change;

/// <summary>A local member said "I hear you" (<paramref name="Withdrawn"/> false) or took it back. <paramref name="LikeId"/>
/// is the reaction's id as stored, <paramref name="Actor"/> the member's actor id.</summary>
public sealed record ReactionChanged(Guid PostId, Uri Actor, Uri LikeId, bool Withdrawn) : Change;

/// <summary>A local member asked to join a group hosted elsewhere (<paramref name="FollowId"/> is the request's id).</summary>
public sealed record RemoteJoinRequested(Guid GroupId, Uri Member, Uri FollowId) : Change;

/// <summary>A local member left a group hosted elsewhere, or withdrew their request.</summary>
public sealed record RemoteGroupLeft(Guid GroupId, Uri Member, Uri FollowId) : Change;

/// <summary>A request from someone on another server to join one of our groups was answered.</summary>
public sealed record RemoteJoinAnswered(Guid GroupId, Uri Actor, Uri FollowId, Uri Inbox, bool Accepted) : Change;

/// <summary>A local member's account is being erased: every server that received their activities is sent a Delete of
/// the Person (<paramref name="DeleteId"/> is that activity's id, so sending it again is a no-op).</summary>
public sealed record AccountErased(Guid UserId, Uri Actor, Uri DeleteId) : Change;

/// <summary>
/// Where features record their changes: a seam (like the delivery key source) that Hosting wires to Federation's outbox
/// writer, so Features never reference Federation. <see cref="None"/> records nothing (tests of a feature alone).
/// </summary>
public sealed class ChangeLog(Func<DbConnection, DbTransaction, Change, CancellationToken, Task> record)
{
    public static ChangeLog None { get; } = new((_, _, _, _) => Task.CompletedTask);

    /// <summary>Records <paramref name="change"/> in the caller's transaction.</summary>
    public Task RecordAsync(DbConnection c, DbTransaction tx, Change change, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return record(c, tx, change, ct);
    }
}

/// <summary>
/// Moderators of a group hosted here removed (<paramref name="Removed"/> true) or restored a post. <paramref name="RemovedAt"/>
/// is when it was removed (also on restore: it names the removal being undone), <paramref name="Moderator"/> the local
/// moderator's username.
/// </summary>
public sealed record PostModerated(Guid PostId, bool Removed, string Moderator, string? Reason, DateTimeOffset RemovedAt) : Change;

/// <summary>
/// Moderators of a group hosted here banned someone on another server (<paramref name="Lifted"/> false) or lifted the
/// ban. <paramref name="BannedAt"/> is when the ban was made (it names the ban an Undo lifts); <paramref name="Inbox"/> is
/// the person's own inbox, so their server is told.
/// </summary>
public sealed record MemberBanned(Guid GroupId, Uri Actor, Uri? Inbox, string Moderator, string? Reason, DateTimeOffset? ExpiresAt,
    bool RemoveContent, DateTimeOffset BannedAt, bool Lifted) : Change;
