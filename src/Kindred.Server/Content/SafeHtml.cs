using Ganss.Xss;
using Kindred.Server.Theming;
using Markdig;

namespace Kindred.Server.Content;

/// <summary>
/// The only way user or remote text becomes HTML: Markdown through Markdig with raw HTML disabled, then
/// HtmlSanitizer (on AngleSharp) with an allow-list of harmless tags, attributes and URL schemes. Remote HTML
/// from other servers goes through the same sanitiser.
/// </summary>
public sealed class SafeHtml
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseEmphasisExtras()
        .UseAutoLinks()
        .UseSoftlineBreakAsHardlineBreak()
        .Build();

    private readonly HtmlSanitizer _sanitizer;

    public SafeHtml()
    {
        var options = new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
            {
                "p", "br", "strong", "b", "em", "i", "u", "s", "del", "ins", "mark", "sub", "sup", "small",
                "blockquote", "code", "pre", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "span",
            },
            AllowedAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href", "title", "lang", "start" },
            AllowedSchemes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "https", "http", "mailto" },
            UriAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href" },
            AllowedCssProperties = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
            AllowedAtRules = new HashSet<AngleSharp.Css.Dom.CssRuleType>(),
            AllowedClasses = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
        };
        _sanitizer = new HtmlSanitizer(options) { KeepChildNodes = true };
        // Links open as ordinary links but tell the target nothing about where the reader came from.
        _sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement { TagName: "A" } a)
            {
                a.SetAttribute("rel", "nofollow noopener noreferrer ugc");
            }
        };
    }

    /// <summary>Markdown (raw HTML disabled) rendered and sanitised.</summary>
    public RawHtml FromMarkdown(string? markdown) =>
        new(_sanitizer.Sanitize(Markdown.ToHtml(markdown ?? "", Pipeline)));

    /// <summary>HTML from elsewhere (e.g. another server), sanitised.</summary>
    public RawHtml Sanitize(string? html) => new(_sanitizer.Sanitize(html ?? ""));
}
