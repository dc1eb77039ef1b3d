using Kindred.Server.Web;
using Kindred.Server.Configuration;
using Kindred.Server.Features.Groups;
using Kindred.Server.Theming;

namespace Kindred.Server.Features.Help;

/// <summary>Admin → Helplines: the helplines the urgent help page lists, edited as a form of rows (no JavaScript).</summary>
public static class HelplineAdminPages
{
    /// <summary>Empty rows under the list, to add helplines in one save.</summary>
    private const int BlankRows = 3;

    public static IEndpointRouteBuilder MapHelplineAdminPages(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin/helplines").RequireAuthorization(Policies.Admin).ExcludeFromDescription();

        admin.MapGet("", async (HttpContext http, Pages pages, Helplines helplines) =>
        {
            var current = await helplines.GetAsync(http.RequestAborted);
            // Until an admin saves a list, the examples are shown to members; the form starts from the emergency entry.
            var rows = current.IsExample ? [Helplines.EmergencyServices()] : current.List;
            return await FormPage(http, pages, current, rows.Select((h, i) => new Helplines.Row(i, h, false)).ToList(), new Dictionary<string, string>());
        });

        admin.MapPost("", async (HttpContext http, Pages pages, Helplines helplines) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var rows = ReadRows(form);
            var (list, errors) = Helplines.Validate(rows);
            if (errors.Count > 0)
            {
                return await FormPage(http, pages, await helplines.GetAsync(http.RequestAborted), rows, errors, StatusCodes.Status400BadRequest);
            }

            await helplines.SaveAsync(list, http.RequestAborted);
            return Results.Redirect("/admin/helplines?notice=helplines-saved");
        });

        return app;
    }

    /// <summary>The rows as sent: fields <c>name-0</c>, <c>phone-0</c> ... up to the most rows the form can have.</summary>
    private static List<Helplines.Row> ReadRows(IFormCollection form)
    {
        var rows = new List<Helplines.Row>();
        for (var i = 0; i < Helplines.MaxHelplines + BlankRows; i++)
        {
            string? Field(string name) => GroupRules.Clean(Forms.Value(form, $"{name}-{i}"));
            if (!form.Keys.Any(k => k.EndsWith($"-{i}", StringComparison.Ordinal)))
            {
                continue;
            }

            rows.Add(new Helplines.Row(i, new Configuration.Helpline
            {
                Name = Field("name") ?? "",
                Phone = Field("phone"),
                Text = Field("text"),
                TextKeyword = Field("keyword"),
                Url = Field("url"),
                Hours = Field("hours"),
                Description = Field("description"),
                Country = Field("country"),
                Emergency = Forms.Checked(form, $"emergency-{i}"),
            }, Forms.Checked(form, $"remove-{i}")));
        }

        return rows;
    }

    private static Task<IResult> FormPage(HttpContext http, Pages pages, Helplines.Current current, List<Helplines.Row> rows,
        IReadOnlyDictionary<string, string> errors, int status = StatusCodes.Status200OK)
    {
        var shown = rows.Select(r => r.Value).ToList();
        var blanks = Math.Max(0, Math.Min(BlankRows, Helplines.MaxHelplines + BlankRows - shown.Count));
        shown.AddRange(Enumerable.Range(0, blanks).Select(_ => new Configuration.Helpline()));
        return pages.RenderAsync(http, "admin-helplines", "Helplines", new
        {
            current.IsExample,
            FromConfiguration = !current.IsSaved && !current.IsExample,
            Rows = shown.Select((h, i) => new
            {
                Index = i,
                h.Name,
                h.Phone,
                h.Text,
                Keyword = h.TextKeyword,
                h.Url,
                h.Hours,
                h.Description,
                h.Country,
                h.Emergency,
                IsNew = i >= rows.Count,
                Remove = i < rows.Count && rows[i].Remove,
            }).ToList(),
            Errors = errors.ToDictionary(e => e.Key, e => e.Value),
        }, status);
    }
}
