using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Federation.Groups;
using Kindred.Server.Federation.Resolution;
using Kindred.Server.Web;

using Kindred.Server.Features.Groups;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Follow of a local Group (FEP-1b12): a remote actor asks to join. Open public groups accept at once; approval groups
/// queue the request for the moderators (Accept/Reject is sent when they decide, see <see cref="MemberStore.DecideRemoteAsync"/>);
/// invite-only and members-only groups accept only actors a moderator invited; local-only groups always Reject (they never
/// federate). A Follow from an actor that is already a member is answered with Accept again (its Accept may have been lost).
/// </summary>
public sealed class GroupFollowHandler(ActorUrls urls, ActorResolver resolver, Database db, MemberStore members, TimeProvider time, ILogger<GroupFollowHandler> logger,
    Policy.FederationPolicy policy)
{
    public async Task HandleAsync(AsActivity follow, CancellationToken ct)
    {
        if (urls.GroupSlugOf(follow.Object?.Id) is not { } slug || await GroupActor.FindBySlugAsync(db, slug, ct) is not { } group)
        {
            logger.LogDebug("Follow {Id} names no local group; ignored", follow.Id);
            return;
        }

        // The follower's inbox comes from its own actor document, never from the activity.
        var follower = await resolver.GetActorAsync(follow.Actor!, refresh: false, ct);
        var inbox = follower.Inbox ?? throw new ResolutionException(ResolutionFailure.Invalid, $"{follower.Id} has no inbox.");
        var followId = follow.Id ?? new Uri($"urn:kindred:follow:{Ids.New(time)}");
        // A silenced server (federation policy, issue 13) makes no new joins: only existing members and invitees get in.
        var silenced = (await policy.DecideAsync(follower.Id, ct)).Silenced;
        var outcome = await db.InTransactionAsync(async (c, tx) =>
        {
            var existing = await MemberStore.FindRemoteAsync(c, tx, group.Id, follower.Id);
            // Someone the group's moderators banned is refused until the ban is lifted or ends; a silenced server makes no new members.
            var decision = await Features.Moderation.GroupBans.IsBannedAsync(c, tx, group.Id, null, follower.Id, time.GetUtcNow())
                ? "rejected"
                : silenced && existing?.State is not (MemberStore.Member or MemberStore.Invited) ? "rejected" : Decide(group, existing?.State);
            if (decision == MemberStore.Member || decision == MemberStore.Pending)
            {
                await members.SaveRemoteAsync(c, tx, group.Id, new RemotePerson(follower.Id, follower.Inbox, follower.SharedInbox, DisplayName(follower)), followId, decision);
            }

            if (decision != MemberStore.Pending)
            {
                await members.AnswerRemoteAsync(c, tx, group.Id, follower.Id, followId, inbox, accept: decision == MemberStore.Member, ct);
            }

            return decision;
        }, ct);
        logger.LogInformation("Follow of group {Group} by {Follower}: {Outcome}", slug, follower.Id, outcome);
    }

    /// <summary>What a Follow leads to: "member" (Accept), "pending" (join queue) or "rejected" (Reject).</summary>
    public static string Decide(GroupActorRow group, string? currentState)
    {
        if (group.Federation != "federated")
        {
            return "rejected";
        }

        if (currentState is MemberStore.Member or MemberStore.Invited)
        {
            return MemberStore.Member;
        }

        if (currentState == MemberStore.Pending)
        {
            return MemberStore.Pending;
        }

        // Members-only groups are private rooms: a remote actor gets in only by invitation.
        if (group.Visibility != "public" || group.JoinPolicy == "invite")
        {
            return "rejected";
        }

        return group.JoinPolicy == "open" ? MemberStore.Member : MemberStore.Pending;
    }

    /// <summary><c>name@host</c>, as people write fediverse addresses.</summary>
    private static string DisplayName(RemoteActor actor) =>
        actor.PreferredUsername is { } u ? $"{u}@{actor.Id.Authority}" : actor.Id.AbsoluteUri;
}
