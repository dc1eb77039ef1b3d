using AngleSharp.Html.Parser;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.RemoteGroups;

/// <summary>Plain text from remote HTML, for places that show text, not markup (a group's description, a title).</summary>
public static class RemoteText
{
    private static readonly HtmlParser Parser = new();

    /// <summary>The text of <paramref name="html"/> with whitespace collapsed, cut at a word boundary to at most <paramref name="max"/> characters.</summary>
    public static string Plain(string? html, int max)
    {
        if (string.IsNullOrWhiteSpace(html))
        {
            return "";
        }

        var text = Parser.ParseFragment(html, null!).Aggregate("", (s, n) => s + " " + n.TextContent);
        text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return Cut(text, max);
    }

    /// <summary>A thread title for a post that has none (a Mastodon-style Note): its first words.</summary>
    public static string TitleFrom(string? html, int max = 80)
    {
        var title = Plain(html, max);
        return title.Length == 0 ? "(untitled post)" : title;
    }

    private static string Cut(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var cut = text[..(max - 1)];
        var space = cut.LastIndexOf(' ');
        return (space > max / 2 ? cut[..space] : cut).TrimEnd() + "…";
    }
}
