using Kindred.Server.Configuration;
using System.Security.Claims;

namespace Kindred.Server.Web;

/// <summary>Who is asking and where: the signed-in account, the instance's public origin, links to further pages.</summary>
public static class RequestContext
{
    /// <summary>The account id of a signed-in principal (<c>NameIdentifier</c> for cookies, <c>sub</c> for bearer tokens).</summary>
    public static Guid UserId(this ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return Guid.Parse(principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? principal.FindFirstValue("sub")!);
    }

    public static string Origin(this HttpContext http) =>
        http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Configuration.KindredOptions>>().Value.PublicUrl.TrimEnd('/');

    public static Guid Viewer(this HttpContext http) =>
        http.User.Identity?.IsAuthenticated == true ? http.User.UserId() : Guid.Empty;

    public static string? NextUrl(this HttpContext http, string? cursor, string name) =>
        cursor is null ? null : $"{http.Origin()}{http.Request.Path}?{name}={Uri.EscapeDataString(cursor)}";
}
