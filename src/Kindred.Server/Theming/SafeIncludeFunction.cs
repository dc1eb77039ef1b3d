using Scriban;
using Scriban.Functions;
using Scriban.Runtime;
using Scriban.Syntax;

namespace Kindred.Server.Theming;

/// <summary>
/// Scriban's <c>include</c>, returning <see cref="RawHtml"/>: the partial has already escaped its own values, so
/// the auto-escaping context must not escape its output a second time.
/// </summary>
internal sealed class SafeIncludeFunction : IScriptCustomFunction
{
    private readonly IncludeFunction _inner = new();

    public int RequiredParameterCount => _inner.RequiredParameterCount;
    public int ParameterCount => _inner.ParameterCount;
    public ScriptVarParamKind VarParamKind => _inner.VarParamKind;
    public Type ReturnType => typeof(RawHtml);

    public ScriptParameterInfo GetParameterInfo(int index) => _inner.GetParameterInfo(index);

    public object? Invoke(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement) =>
        new RawHtml(_inner.Invoke(context, callerContext!, arguments, blockStatement) as string ?? "");

    public async ValueTask<object?> InvokeAsync(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement) =>
        new RawHtml(await _inner.InvokeAsync(context, callerContext!, arguments, blockStatement) as string ?? "");
}
