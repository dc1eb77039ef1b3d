using System.Collections.Concurrent;
using Kindred.Server.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace Kindred.Server.Theming;

/// <summary>
/// Finds and caches Scriban templates. An instance's theme (<c>Kindred:Theme</c>) overrides only the files it
/// contains; everything else falls back to <c>themes/default</c>. Parsed templates are cached for the life of the
/// process (restart to pick up theme changes).
/// </summary>
public sealed class ThemeEngine : ITemplateLoader
{
    public const string DefaultTheme = "default";
    public const string Extension = ".sbn-html";

    private readonly IReadOnlyList<string> _searchDirectories;
    private readonly ConcurrentDictionary<string, Template> _parsed = new(StringComparer.Ordinal);

    public ThemeEngine(IOptions<KindredOptions> options)
    {
        var o = options.Value;
        var roots = new List<string>();
        if (!string.IsNullOrWhiteSpace(o.ThemesPath))
        {
            roots.Add(Path.GetFullPath(o.ThemesPath));
        }

        roots.Add(Path.Combine(AppContext.BaseDirectory, "themes"));
        var theme = string.IsNullOrWhiteSpace(o.Theme) ? DefaultTheme : o.Theme.Trim();
        var directories = new List<string>();
        foreach (var name in theme == DefaultTheme ? [DefaultTheme] : new[] { theme, DefaultTheme })
        {
            directories.AddRange(roots.Select(r => Path.Combine(r, name)).Where(Directory.Exists));
        }

        if (!directories.Any(d => File.Exists(Path.Combine(d, "layouts", "main" + Extension))))
        {
            throw new InvalidOperationException(
                $"The default theme was not found (looked in {string.Join(", ", roots)}). Reinstall Kindred or set Kindred:ThemesPath.");
        }

        ThemeName = theme;
        _searchDirectories = directories;
    }

    public string ThemeName { get; }

    /// <summary>Static files (CSS, images) with the same fallback as templates: the theme's own, then default's.</summary>
    public IFileProvider AssetFiles() => new CompositeFileProvider(
        _searchDirectories.Select(d => Path.Combine(d, "assets")).Where(Directory.Exists).Select(d => (IFileProvider)new PhysicalFileProvider(d)));

    /// <summary>Renders <c>pages/{page}</c> inside <c>layouts/{layout}</c>; <paramref name="model"/> fields become template variables.</summary>
    public async Task<string> RenderPageAsync(string page, IReadOnlyDictionary<string, object?> values, object? model, string layout = "main")
    {
        var globals = new ScriptObject { ["include"] = SafeInclude };
        foreach (var (key, value) in values)
        {
            globals.SetValue(key, value, readOnly: false);
        }

        if (model is not null)
        {
            globals.Import(model, renamer: Renamer);
        }

        var body = await RenderAsync("pages/" + page, globals);
        globals.SetValue("content", new RawHtml(body), readOnly: true);
        return await RenderAsync("layouts/" + layout, globals);
    }

    /// <summary>The text extension of e-mail templates (<c>emails/NAME.sbn-txt</c>): printed as is, not HTML-escaped.</summary>
    public const string TextExtension = ".sbn-txt";

    /// <summary>
    /// Renders an e-mail: <c>emails/{name}.sbn-txt</c> inside <c>emails/layout.sbn-txt</c> (plain text, nothing escaped) and
    /// <c>emails/{name}.sbn-html</c> inside <c>emails/layout.sbn-html</c> (every value HTML-escaped, like pages). Both are
    /// overridable per theme like page templates. The text template's first line, <c>Subject: ...</c>, is the subject.
    /// </summary>
    public async Task<(string Subject, string Text, string Html)> RenderEmailAsync(string name, IReadOnlyDictionary<string, object?> values)
    {
        ScriptObject Globals()
        {
            var globals = new ScriptObject { ["include"] = SafeInclude };
            foreach (var (key, value) in values)
            {
                globals.SetValue(key, value, readOnly: false);
            }

            return globals;
        }

        var textGlobals = Globals();
        var textBody = (await RenderAsync("emails/" + name, textGlobals, TextExtension)).TrimStart();
        var subject = "";
        if (textBody.StartsWith("Subject:", StringComparison.OrdinalIgnoreCase))
        {
            var end = textBody.IndexOf('\n', StringComparison.Ordinal);
            subject = (end < 0 ? textBody[8..] : textBody[8..end]).Trim();
            textBody = end < 0 ? "" : textBody[(end + 1)..].TrimStart('\r', '\n');
        }

        textGlobals.SetValue("content", textBody, readOnly: true);
        var text = await RenderAsync("emails/layout", textGlobals, TextExtension);

        var htmlGlobals = Globals();
        var htmlBody = await RenderAsync("emails/" + name, htmlGlobals);
        htmlGlobals.SetValue("content", new RawHtml(htmlBody), readOnly: true);
        var html = await RenderAsync("emails/layout", htmlGlobals);
        return (subject, text, html);
    }

    private async Task<string> RenderAsync(string name, ScriptObject globals, string extension = Extension)
    {
        var template = Load(name, extension);
        // E-mail text parts are plain text: only HTML templates escape what they print.
        var context = extension == Extension ? new HtmlTemplateContext() : new TemplateContext();
        context.TemplateLoader = this;
        context.MemberRenamer = Renamer;
        context.StrictVariables = false;
        context.LoopLimit = 10_000;
        // Scriban indents every line of a multi-line value printed after leading whitespace (AutoIndent). That
        // changes what a <textarea> or <pre> holds: a form would send back indented text, and Markdown turns
        // indented paragraphs into code blocks. Output is printed exactly as it is.
        context.AutoIndent = false;
        context.PushGlobal(globals);
        // Included partials are parsed once per process, not once per render: share our cache with Scriban's.
        foreach (var (path, parsed) in _parsed)
        {
            context.CachedTemplates[path] = parsed;
        }

        var html = await template.RenderAsync(context);
        foreach (var (path, parsed) in context.CachedTemplates)
        {
            _parsed.TryAdd(path, parsed);
        }

        return html;
    }

    private static readonly SafeIncludeFunction SafeInclude = new();

    private static readonly MemberRenamerDelegate Renamer = StandardMemberRenamer.Default;

    private Template Load(string name, string extension = Extension)
    {
        var path = Resolve(name, extension) ?? throw new FileNotFoundException($"Template '{name}' is in neither theme '{ThemeName}' nor the default theme.");
        return _parsed.GetOrAdd(path, p =>
        {
            var template = Template.Parse(File.ReadAllText(p), p);
            if (template.HasErrors)
            {
                throw new InvalidOperationException($"Template {p} has errors: {string.Join("; ", template.Messages)}");
            }

            return template;
        });
    }

    private string? Resolve(string name, string extension = Extension)
    {
        if (name.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(name))
        {
            return null;
        }

        foreach (var directory in _searchDirectories)
        {
            var candidate = Path.Combine(directory, name + extension);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    // ITemplateLoader: `{{ include 'partials/header' }}` resolves with the same theme fallback and cache.
    string ITemplateLoader.GetPath(TemplateContext context, SourceSpan callerSpan, string templateName) =>
        Resolve(templateName) ?? throw new ScriptRuntimeException(callerSpan, $"Template '{templateName}' not found in any theme.");

    string ITemplateLoader.Load(TemplateContext context, SourceSpan callerSpan, string templatePath) => File.ReadAllText(templatePath);

    ValueTask<string?> ITemplateLoader.LoadAsync(TemplateContext context, SourceSpan callerSpan, string templatePath) =>
        ValueTask.FromResult<string?>(File.ReadAllText(templatePath));
}
