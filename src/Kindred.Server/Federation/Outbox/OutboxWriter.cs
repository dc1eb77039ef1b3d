using System.Data.Common;
using Kindred.Server.Features.Changes;

namespace Kindred.Server.Federation.Outbox;

/// <summary>
/// The one outbox writer: turns what a feature changed (<see cref="Change"/>) into activities and delivery jobs, in the
/// feature's own transaction, so what we record is what we send and a rolled-back change sends nothing. Hosting wires
/// <see cref="ChangeLog"/> to <see cref="RecordAsync"/>; the delivery queue wakes its worker when the transaction commits.
/// </summary>
public sealed class OutboxWriter(GroupPublisher posts, ReactionPublisher reactions, FollowPublisher follows, FlagPublisher flags, ModerationPublisher moderation, BanPublisher bans, AccountDeletePublisher accounts)
{
    public Task RecordAsync(DbConnection c, DbTransaction tx, Change change, CancellationToken ct) => change switch
    {
        PostChanged p => posts.PublishAsync(c, tx, p.PostId, p.Kind, ct),
        ReactionChanged { Withdrawn: false } r => reactions.LikeAsync(c, tx, r.PostId, r.Actor, r.LikeId, ct),
        ReactionChanged r => reactions.UndoAsync(c, tx, r.PostId, r.Actor, r.LikeId, ct),
        RemoteJoinRequested j => follows.FollowAsync(c, tx, j, ct),
        RemoteGroupLeft l => follows.UndoAsync(c, tx, l, ct),
        RemoteJoinAnswered a => follows.AnswerAsync(c, tx, a, ct),
        Features.Reports.ReportForwarded f => flags.ForwardAsync(c, tx, f.ReportId, ct),
        PostModerated m => moderation.PostAsync(c, tx, m, ct),
        MemberBanned b => bans.PublishAsync(c, tx, b, ct),
        AccountErased e => accounts.DeleteAsync(c, tx, e, ct),
        _ => throw new NotSupportedException($"No activity is defined for {change.GetType().Name}."),
    };
}
