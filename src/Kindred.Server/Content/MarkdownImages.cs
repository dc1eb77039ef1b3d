using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Kindred.Server.Content;

/// <summary>
/// Kindred shows no pictures yet (there is nowhere to keep them, and loading them from elsewhere would tell other sites
/// who reads what). The sanitiser drops images, so a post with one would lose it silently, or be an empty paragraph.
/// Instead the author is told, with the image's own Markdown and how to share it as a link.
/// </summary>
public static class MarkdownImages
{
    // As SafeHtml's pipeline, keeping where each element is in the text, to quote the image as the author wrote it.
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePreciseSourceLocation()
        .UseEmphasisExtras()
        .UseAutoLinks()
        .UseSoftlineBreakAsHardlineBreak()
        .Build();

    /// <summary>Why <paramref name="markdown"/> cannot be posted as it is, or null when it has no images.</summary>
    public static string? Explain(string? markdown)
    {
        if (string.IsNullOrEmpty(markdown) || !markdown.Contains("![", StringComparison.Ordinal))
        {
            return null;
        }

        var images = Markdown.Parse(markdown, Pipeline).Descendants<LinkInline>().Where(l => l.IsImage).ToList();
        if (images.Count == 0)
        {
            return null;
        }

        var first = images[0];
        var source = first.Span.Length > 1 && first.Span.End < markdown.Length && markdown[first.Span.Start] == '!'
            ? markdown.Substring(first.Span.Start, first.Span.Length)
            : $"![{string.Concat(first.Descendants<LiteralInline>().Select(l => l.Content.ToString()))}]({first.Url})";
        var more = images.Count > 1 ? $" (and {images.Count - 1} more)" : "";
        return $"Pictures cannot be shown here yet, so this one{more} would be left out: {source} " +
               $"Take it out, or share it as a link instead: {source.TrimStart('!')}";
    }
}
