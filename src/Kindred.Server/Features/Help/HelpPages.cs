using Kindred.Server.Configuration;
using Kindred.Server.Theming;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Help;

/// <summary>The urgent help page, linked from every page: the instance's helplines, and a plain statement that this is not a crisis service.</summary>
public static class HelpPages
{
    public const string UrgentHelpPath = "/help/urgent";

    /// <summary>
    /// Shown, clearly marked as an example, until the admin configures the instance's own helplines
    /// (Kindred:Helplines). They are international so they are right wherever the instance is.
    /// </summary>
    public static readonly IReadOnlyList<Helpline> ExampleHelplines =
    [
        new() { Name = "Emergency services", Description = "If you or someone else is in immediate danger, call your local emergency number now: 112 in the EU, 999 in the UK, 911 in the US and Canada, 000 in Australia." },
        new() { Name = "Find A Helpline", Url = "https://findahelpline.com", Description = "Free, confidential helplines in more than 130 countries, searchable by country and topic." },
        new() { Name = "Befrienders Worldwide", Url = "https://befrienders.org", Description = "Emotional support centres around the world for people in distress." },
    ];

    public static IEndpointRouteBuilder MapHelpPages(this IEndpointRouteBuilder app)
    {
        app.MapGet(UrgentHelpPath, (HttpContext http, Pages pages, IOptions<KindredOptions> options) =>
        {
            var configured = options.Value.Helplines;
            return pages.RenderAsync(http, "urgent-help", "Urgent help", new
            {
                Helplines = (configured.Count > 0 ? configured : ExampleHelplines).Select(h => new
                {
                    h.Name,
                    h.Phone,
                    PhoneHref = h.Phone is null ? null : "tel:" + new string(h.Phone.TakeWhile(c => char.IsDigit(c) || c is '+' or ' ').Where(c => c != ' ').ToArray()),
                    h.Text,
                    h.Url,
                    h.Hours,
                    h.Description,
                    h.Country,
                }).ToList(),
                IsExample = configured.Count == 0,
            });
        }).ExcludeFromDescription();
        return app;
    }
}
