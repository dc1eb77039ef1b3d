namespace Kindred.Server.Theming;

/// <summary>
/// HTML that is already safe (rendered by our own templates, or sanitised). Templates escape every other value
/// they print, so only values wrapped in this type reach a page unescaped.
/// </summary>
public sealed record RawHtml(string Value)
{
    public override string ToString() => Value;
}
