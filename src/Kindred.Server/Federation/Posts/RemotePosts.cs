using Kindred.Server.Features.Groups;
using System.Data.Common;
using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Content;
using Kindred.Server.Data;
using Kindred.Server.Features.Notifications;
using Kindred.Server.Features.Threads;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Federation.Resolution;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Posts;

/// <summary>
/// Turns posts written on other servers into what <see cref="PostStore"/> stores, whichever side the group is on: remote
/// members posting to a group we host (the Group* inbox handlers) and groups hosted elsewhere Announcing their posts (the
/// Announced* handlers): sanitised HTML, a title, a content warning, and how the author is shown.
/// </summary>
public sealed class RemotePosts(ActorResolver resolver, SafeHtml safe, ILogger<RemotePosts> logger)
{
    /// <summary>How the author is shown: <c>name@host</c>, with the name from their actor document when it can be had
    /// (usually cached: the actor signed the request). Call it outside a transaction: it may fetch.</summary>
    public async Task<string> AuthorNameAsync(Uri author, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(author);
        string? name = null;
        try
        {
            name = (await resolver.GetActorAsync(author, refresh: false, ct)).PreferredUsername;
        }
        catch (ResolutionException ex)
        {
            logger.LogDebug("Author {Author} could not be fetched: {Message}", author, ex.Message);
        }

        name = RemoteText.Plain(name, 60) is { Length: > 0 } n ? n : author.Segments[^1].Trim('/');
        return $"{(name.Length > 0 ? name : "someone")}@{Hosts.Authority(author)}";
    }

    /// <summary>Title, sanitised HTML and content warning of a remote post, within our limits (<see cref="PostShapes"/>).</summary>
    public PostFields Fields(AsObject post)
    {
        ArgumentNullException.ThrowIfNull(post);
        var (title, content, warning) = PostShapes.Show(post, safe);
        return new PostFields(title, content, warning);
    }
}
