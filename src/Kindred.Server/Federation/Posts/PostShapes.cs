using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Features.Threads;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Posts;

/// <summary>
/// How the shapes other servers send are shown here (docs/federation.md, "Shapes we accept"): the link a link post
/// shares, attachments as links with their alt text (never hot-linked: a remote image would tell its server the IP
/// address of every member who reads the thread), a title for a microblog post without the mentions it starts with, and
/// whether <c>summary</c> is a content warning. Pure functions of the object; the result is sanitised by the caller.
/// </summary>
public static class PostShapes
{
    /// <summary>At most this many attachments are shown as links; the rest are counted as left out.</summary>
    public const int MaxAttachments = 4;

    private static readonly Regex BlockEnds = new(@"</(?:p|li|h[1-6]|blockquote|pre)>|<br\s*/?>", RegexOptions.IgnoreCase | RegexOptions.Compiled);

    /// <summary>
    /// Title, sanitised body and content warning of a remote post. The title comes from the post's own words when it has
    /// no <c>name</c> (not from the details, links and attachments the body adds), else from the whole body.
    /// </summary>
    public static (string Title, string Content, string? Warning) Show(AsObject post, Content.SafeHtml safe)
    {
        ArgumentNullException.ThrowIfNull(safe);
        post = WithHtmlContent(post, safe);
        var content = safe.Sanitize(BodyHtml(post)).Value;
        var own = safe.Sanitize(post.Content ?? "").Value;
        return (Title(post, RemoteText.Plain(own, 10).Length > 0 ? own : content), content, ContentWarning(post));
    }

    /// <summary>PeerTube sends a Video's description as Markdown (<c>mediaType</c> text/markdown): rendered as our own Markdown is.</summary>
    public static AsObject WithHtmlContent(AsObject post, Content.SafeHtml safe)
    {
        ArgumentNullException.ThrowIfNull(post);
        ArgumentNullException.ThrowIfNull(safe);
        return post.MediaType == "text/markdown" && post.Content is { } markdown
            ? post with { Content = safe.FromMarkdown(markdown).Value, MediaType = "text/html" }
            : post;
    }

    /// <summary>The post's HTML (unsanitised) with what its shape shows (<see cref="ObjectShapes"/>), its shared link and its attachments appended.</summary>
    public static string BodyHtml(AsObject post)
    {
        ArgumentNullException.ThrowIfNull(post);
        var html = new StringBuilder(post.Content ?? "");
        html.Append(ObjectShapes.DetailsHtml(post));
        var link = SharedLink(post);
        if (link is not null)
        {
            html.Append("<p>Link: <a href=\"").Append(Encode(link.Value.Url.AbsoluteUri)).Append("\">")
                .Append(Encode(link.Value.Title ?? link.Value.Url.AbsoluteUri)).Append("</a> (")
                .Append(Encode(Hosts.Authority(link.Value.Url))).Append(")</p>");
        }

        var attachments = post.Attachments.Where(a => link is null || a.Url != link.Value.Url).ToList();
        var usable = attachments.Where(a => IsWeb(a.Url)).ToList();
        var shown = usable.Take(MaxAttachments).ToList();
        if (shown.Count > 0)
        {
            html.Append("<ul>");
            foreach (var a in shown)
            {
                var alt = RemoteText.Plain(a.Name, 300);
                html.Append("<li>").Append(Encode(Kind(a))).Append(": <a href=\"").Append(Encode(a.Url!.AbsoluteUri)).Append("\">")
                    .Append(Encode(alt.Length > 0 ? alt : "no description")).Append("</a> (")
                    .Append(Encode(Hosts.Authority(a.Url))).Append(")</li>");
            }

            html.Append("</ul>");
        }

        var leftOut = attachments.Count - shown.Count;
        if (leftOut > 0)
        {
            var unusable = attachments.Count - usable.Count;
            html.Append("<p>").Append(leftOut).Append(leftOut == 1 ? " attachment was" : " attachments were").Append(" left out (")
                .Append(unusable > 0 ? $"{unusable} without a web address" : "")
                .Append(unusable > 0 && usable.Count > shown.Count ? ", " : "")
                .Append(usable.Count > shown.Count ? $"{usable.Count - shown.Count} over the limit of {MaxAttachments}" : "")
                .Append(").</p>");
        }

        return html.ToString();
    }

    /// <summary>
    /// The link a link post (Lemmy, Mbin, PieFed) shares: the first <c>Link</c> attachment, else on a Page a <c>url</c>
    /// on another host than the post (NodeBB, Discourse and WordPress put the post's own page in <c>url</c>, and
    /// Mastodon's Note carries its own page there too).
    /// </summary>
    public static (Uri Url, string? Title)? SharedLink(AsObject post)
    {
        ArgumentNullException.ThrowIfNull(post);
        if (post.Attachments.FirstOrDefault(a => a.Type == "Link" && IsWeb(a.Url)) is { } link)
        {
            return (link.Url!, RemoteText.Plain(link.Name, 200) is { Length: > 0 } n ? n : null);
        }

        if (post.HasType("Page") && post.Id is { } id && post.Url.FirstOrDefault(u => IsWeb(u) && !string.Equals(u.Host, id.Host, StringComparison.OrdinalIgnoreCase)) is { } url)
        {
            return (url, null);
        }

        return null;
    }

    /// <summary>
    /// A thread title: the post's <c>name</c>, else the first words of its text without the <c>@mentions</c> it starts
    /// with (a Mastodon user writing to a group begins with <c>@group@host</c>).
    /// </summary>
    public static string Title(AsObject post, string sanitisedContent)
    {
        ArgumentNullException.ThrowIfNull(post);
        if (RemoteText.Plain(post.Name, PostRules.MaxTitleLength) is { Length: > 0 } name)
        {
            return name;
        }

        // Paragraphs and line breaks end words: "refresh</p><p>Hi" is "refresh Hi" (the sanitiser wrote these tags).
        var text = RemoteText.Plain(BlockEnds.Replace(sanitisedContent ?? "", "$0 "), PostRules.MaxContentLength);
        var mentions = post.Tags.Where(t => t.Type == "Mention" && !string.IsNullOrEmpty(t.Name)).Select(t => t.Name!).ToList();
        while (text.StartsWith('@'))
        {
            var end = text.IndexOf(' ', StringComparison.Ordinal);
            var word = end < 0 ? text : text[..end];
            if (!mentions.Any(m => m.Equals(word, StringComparison.OrdinalIgnoreCase) || m.StartsWith(word + "@", StringComparison.OrdinalIgnoreCase)))
            {
                break;
            }

            text = end < 0 ? "" : text[(end + 1)..].TrimStart();
        }

        return RemoteText.TitleFrom(WebUtility.HtmlEncode(text));
    }

    /// <summary>
    /// <c>summary</c> as a content warning. Mastodon, Misskey and GoToSocial send the warning in <c>summary</c> with
    /// <c>sensitive: true</c>; Pleroma-style servers put it in a Note's <c>summary</c> without the flag. On a Page or
    /// Article (Lemmy, Mbin, NodeBB, WordPress) <c>summary</c> is a preview. A summary that only repeats the post's title
    /// or the beginning of its text (Mbin, WordPress, Friendica copy them there) warns of nothing and folds nothing; a
    /// sensitive post without words of its own for the warning is still folded behind "Sensitive": hiding is the safe side.
    /// </summary>
    public static string? ContentWarning(AsObject post)
    {
        ArgumentNullException.ThrowIfNull(post);
        var summary = RemoteText.Plain(post.Summary, PostRules.MaxContentWarningLength);
        var ownWords = summary.Length > 0 && !RepeatsThePost(post, summary);
        if (post.Sensitive)
        {
            return ownWords ? summary : "Sensitive";
        }

        return post.HasType("Note") && ownWords ? summary : null;
    }

    private static bool RepeatsThePost(AsObject post, string summary)
    {
        var bare = summary.TrimEnd('…', '.', ' ');
        if (bare.Length == 0)
        {
            return true;
        }

        var title = RemoteText.Plain(post.Name, PostRules.MaxTitleLength);
        var text = RemoteText.Plain(post.Content, PostRules.MaxContentLength);
        return title.Equals(bare, StringComparison.OrdinalIgnoreCase) || text.StartsWith(bare, StringComparison.OrdinalIgnoreCase);
    }

    private static string Kind(AsAttachment a) => a.Type switch
    {
        "Image" or "Video" or "Audio" => a.Type,
        "Link" => "Link",
        _ => a.MediaType?.Split('/')[0] switch
        {
            "image" => "Image",
            "video" => "Video",
            "audio" => "Audio",
            _ => "File",
        },
    };

    private static bool IsWeb(Uri? url) => url is { IsAbsoluteUri: true } && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);

    private static string Encode(string s) => WebUtility.HtmlEncode(s);
}
