using Kindred.Server.Features.Groups;
using System.Data.Common;
using System.Net;
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

    /// <summary>Title, sanitised HTML and content warning of a remote post, within our limits.</summary>
    public PostFields Fields(AsObject post)
    {
        ArgumentNullException.ThrowIfNull(post);
        var html = post.Content ?? "";
        // Link posts (Lemmy/Mbin) may have no body: show the link they share.
        foreach (var link in post.Attachments.Where(a => a.Url is not null && a.Type is "Link" or "Document" or "Image").Take(4))
        {
            html += $"<p><a href=\"{WebUtility.HtmlEncode(link.Url!.AbsoluteUri)}\">{WebUtility.HtmlEncode(link.Name ?? link.Url.AbsoluteUri)}</a></p>";
        }

        var content = safe.Sanitize(html).Value;
        var title = RemoteText.Plain(post.Name, PostRules.MaxTitleLength) is { Length: > 0 } name ? name : RemoteText.TitleFrom(content);
        return new PostFields(title, content, ContentWarning(post));
    }

    /// <summary>
    /// Mastodon and Misskey put a content warning in <c>summary</c> with <c>sensitive</c> = true; Pleroma-style servers
    /// put it in a Note's <c>summary</c> without the flag. On a Page or Article (NodeBB, Lemmy) summary is a preview,
    /// not a warning. A sensitive post without words for its warning is still hidden behind one: hiding is the safe side.
    /// </summary>
    private static string? ContentWarning(AsObject post)
    {
        var summary = RemoteText.Plain(post.Summary, PostRules.MaxContentWarningLength);
        if (post.Sensitive)
        {
            return summary.Length > 0 ? summary : "Sensitive";
        }

        return post.HasType("Note") && summary.Length > 0 ? summary : null;
    }
}
