using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Features.Groups;

namespace Kindred.Server.Federation.RemoteGroups;

/// <summary>A fetched Group actor as the group store keeps it: plain text from the remote HTML, within our limits.</summary>
public static class RemoteGroupProfiles
{
    public static RemoteGroupProfile From(AsActor actor, string fallbackName)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return new RemoteGroupProfile
        {
            ApId = actor.Id!,
            Name = RemoteText.Plain(actor.Name ?? actor.PreferredUsername ?? fallbackName, GroupRules.MaxNameLength) is { Length: > 0 } n ? n : fallbackName,
            Description = RemoteText.Plain(actor.Summary, GroupRules.MaxDescriptionLength),
            ApprovesFollowers = actor.ManuallyApprovesFollowers,
            Inbox = actor.Inbox,
            SharedInbox = actor.SharedInbox,
            Followers = actor.Followers,
            Outbox = actor.Outbox,
            Featured = actor.Featured,
        };
    }
}
