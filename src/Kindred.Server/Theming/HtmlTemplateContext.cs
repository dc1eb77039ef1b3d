using System.Net;
using Scriban;
using Scriban.Parsing;

namespace Kindred.Server.Theming;

/// <summary>
/// A Scriban context that HTML-escapes every value a template prints, unless it is <see cref="RawHtml"/>.
/// Escaping by default means a theme author who forgets <c>| html.escape</c> cannot open an XSS hole.
/// </summary>
internal sealed class HtmlTemplateContext : TemplateContext
{
    public override TemplateContext Write(SourceSpan span, object? textAsObject) =>
        base.Write(span, Encode(textAsObject));

    public override ValueTask<TemplateContext> WriteAsync(SourceSpan span, object? textAsObject) =>
        base.WriteAsync(span, Encode(textAsObject));

    private object? Encode(object? value) => value switch
    {
        null => null,
        RawHtml raw => raw.Value,
        string s => WebUtility.HtmlEncode(s),
        bool or int or long or double or decimal => value,
        _ => WebUtility.HtmlEncode(ObjectToString(value)),
    };
}
