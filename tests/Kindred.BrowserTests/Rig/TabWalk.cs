using System.Text.Json;
using Microsoft.Playwright;

namespace Kindred.BrowserTests.Rig;

/// <summary>
/// Presses Tab through a page the way a keyboard user does and records each stop, with the focused element's
/// outline, box-shadow, background and border, to compare with how the same element looks without focus.
/// (Reading the DOM through Playwright works with JavaScript disabled in the page.)
/// </summary>
public static class TabWalk
{
    public sealed record Look(string Outline, double OutlineWidth, string Shadow, string Background, string Border, string Decoration);

    public sealed record Control(int Index, string Description, int TabIndex, Look Unfocused);

    public sealed record Stop(int? Index, string Description, Look Focused);

    public sealed record Result(IReadOnlyList<Control> Controls, IReadOnlyList<Stop> Stops);

    private const string Helpers = """
        const describe = el => {
          const name = (el.getAttribute('aria-label') || el.innerText || el.value || el.id || el.name || '').trim().replace(/\s+/g, ' ').slice(0, 60);
          const extra = el.getAttribute('href') ? ` href=${el.getAttribute('href')}` : (el.type ? ` type=${el.type}` : '');
          return `<${el.tagName.toLowerCase()}${extra}> "${name}"`;
        };
        const look = el => {
          const s = getComputedStyle(el);
          return {
            outline: s.outlineStyle === 'none' ? 'none' : `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
            outlineWidth: s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth) || 0,
            shadow: s.boxShadow, background: s.backgroundColor, border: `${s.borderStyle} ${s.borderWidth} ${s.borderColor}`,
            decoration: s.textDecorationLine,
          };
        };
        """;

    /// <summary>Everything a keyboard user should reach, in document order; each gets a data-tab-stop number.</summary>
    private const string ListControls = "() => {" + Helpers + """
          const visible = el => { const s = getComputedStyle(el); return s.visibility !== 'hidden' && s.display !== 'none' && el.getClientRects().length > 0; };
          const candidates = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, details > summary:first-of-type, [tabindex], [contenteditable]')]
            .filter(el => !el.disabled && el.tabIndex >= 0 && visible(el) && !el.closest('[inert]'));
          const controls = [];
          const radioGroups = new Set();
          for (const el of candidates) {
            if (el.type === 'radio' && el.name) {
              // A radio group is one Tab stop: the checked radio, or the first one; arrow keys move within it.
              const key = (el.form ? el.form.action : '') + '|' + el.name;
              if (radioGroups.has(key)) continue;
              radioGroups.add(key);
              const group = candidates.filter(r => r.type === 'radio' && r.name === el.name && r.form === el.form);
              controls.push(group.find(r => r.checked) || group[0]);
              continue;
            }
            controls.push(el);
          }
          if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
          return controls.map((el, i) => { el.setAttribute('data-tab-stop', String(i)); return { index: i, description: describe(el), tabIndex: el.tabIndex, unfocused: look(el) }; });
        }
        """;

    private const string CurrentStop = "() => {" + Helpers + """
          const el = document.activeElement;
          if (!el || el === document.body || el === document.documentElement) return null;
          const n = el.getAttribute('data-tab-stop');
          return { index: n === null ? null : Number(n), description: describe(el), focused: look(el) };
        }
        """;

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static async Task<Result> WalkAsync(IPage page)
    {
        var controls = Deserialize<List<Control>>(await page.EvaluateAsync<JsonElement>(ListControls));
        var stops = new List<Stop>();
        for (var i = 0; i < controls.Count + 5; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var current = await page.EvaluateAsync<JsonElement?>(CurrentStop);
            if (current is null || current.Value.ValueKind == JsonValueKind.Null)
            {
                if (stops.Count > 0)
                {
                    break; // past the last control: focus left the page
                }
                continue;
            }
            var stop = Deserialize<Stop>(current.Value);
            if (stops.Count > 0 && stop.Index is not null && stop.Index == stops[0].Index)
            {
                break; // wrapped around to the first control
            }
            stops.Add(stop);
        }
        return new Result(controls, stops);
    }

    /// <summary>Problems a keyboard user would meet on this page; empty when there are none.</summary>
    public static List<string> Problems(Result walk, string urgentHelpText)
    {
        var problems = new List<string>();
        foreach (var c in walk.Controls.Where(c => c.TabIndex > 0))
        {
            problems.Add($"{c.Description} has a positive tabindex ({c.TabIndex}), which takes it out of reading order.");
        }
        var visited = walk.Stops.Where(s => s.Index is not null).Select(s => s.Index!.Value).ToList();
        foreach (var missed in walk.Controls.Where(c => !visited.Contains(c.Index)))
        {
            problems.Add($"{missed.Description} cannot be reached with Tab.");
        }
        foreach (var extra in walk.Stops.Where(s => s.Index is null))
        {
            problems.Add($"Tab stopped on {extra.Description}, which is not a visible control (hidden or decorative focus stop).");
        }
        if (!visited.SequenceEqual(visited.Order()))
        {
            problems.Add("Tab order does not follow the reading order: " + string.Join(" -> ", walk.Stops.Select(s => s.Description)));
        }
        var urgent = walk.Stops.ToList().FindIndex(s => s.Description.Contains($"\"{urgentHelpText}\"", StringComparison.Ordinal));
        if (urgent is < 0 or > 2)
        {
            problems.Add($"\"{urgentHelpText}\" must be among the first 3 Tab stops; it is {(urgent < 0 ? "not reachable" : $"stop {urgent + 1}")}. " +
                         "First stops: " + string.Join(" -> ", walk.Stops.Take(4).Select(s => s.Description)));
        }
        foreach (var stop in walk.Stops.Where(s => s.Index is not null))
        {
            var before = walk.Controls[stop.Index!.Value].Unfocused;
            if (!HasVisibleFocus(before, stop.Focused))
            {
                problems.Add($"{stop.Description} shows no visible focus indicator (outline {stop.Focused.Outline}, box-shadow {stop.Focused.Shadow}).");
            }
        }
        return problems;
    }

    /// <summary>
    /// Focus is visible when focusing adds an outline of at least 2px or changes the box-shadow, background, border
    /// or underline (WCAG 2.4.7; 2.4.11/2.4.13 want it clearly visible, which our 3px outline plus ring gives).
    /// </summary>
    private static bool HasVisibleFocus(Look unfocused, Look focused) =>
        (focused.Outline != "none" && focused.OutlineWidth >= 2 && !focused.Outline.EndsWith("rgba(0, 0, 0, 0)", StringComparison.Ordinal) && focused.Outline != unfocused.Outline)
        || (focused.Shadow != unfocused.Shadow && focused.Shadow != "none")
        || focused.Background != unfocused.Background
        || focused.Border != unfocused.Border
        || focused.Decoration != unfocused.Decoration;

    private static T Deserialize<T>(JsonElement json) => json.Deserialize<T>(Json) ?? throw new InvalidOperationException("Unexpected result from the page: " + json);
}
