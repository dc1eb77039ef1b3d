using Kindred.Server.Federation.RemoteGroups;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>Announce(Create) and Announce(Update) of a Page, Article or Note: the post, as its origin has it, is stored or edited.</summary>
public sealed class AnnouncedPostHandler(AnnounceUnwrapper unwrapper, RemotePosts posts, RemotePostChanges changes, ILogger<AnnouncedPostHandler> logger)
{
    private static readonly HashSet<string> PostTypes = ["Page", "Article", "Note", "Question"];

    public async Task HandleAsync(AnnouncedActivity announced, CancellationToken ct)
    {
        if (await unwrapper.ObjectAsync(announced, ct) is not { } post)
        {
            return;
        }

        if (!post.Types.Any(PostTypes.Contains))
        {
            logger.LogDebug("{Type}({ObjectType}) from {Group} is not a post; ignored", announced.Activity.Type, post.Type, announced.Group.ApId);
            return;
        }

        if (announced.Activity.Type == "Update")
        {
            await changes.UpdateAsync(announced.Group, post, ct);
        }
        else
        {
            await posts.StoreAsync(announced.Group, post, ct);
        }
    }
}
