using Microsoft.AspNetCore.Antiforgery;
using Kindred.Server.Web;

namespace Kindred.Server.Theming;

/// <summary>Reads a posted HTML form after checking its antiforgery token (every form carries one).</summary>
public static class Forms
{
    public static async Task<IFormCollection?> ReadAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType)
        {
            return null;
        }

        // Not known to be https on an https instance: the check would throw; the caller shows Pages' explanation.
        if (http.RequestServices.GetRequiredService<ConnectionCheck>().IsInsecure(http))
        {
            return null;
        }

        var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return null;
        }

        return await http.Request.ReadFormAsync(http.RequestAborted);
    }

    /// <summary>What a person sees when a form fails its antiforgery check (usually: it was open too long).</summary>
    public static Task<IResult> ExpiredAsync(HttpContext http) =>
        http.RequestServices.GetRequiredService<Pages>().RenderAsync(http, "error", "Please try again", new
        {
            Heading = "Please try again",
            Message = "This form has expired or was sent from somewhere else. Go back, reload the page and send it again. Nothing was saved.",
        }, StatusCodes.Status400BadRequest);

    public static bool Checked(IFormCollection form, string name) =>
        form[name].ToString() is "on" or "true" or "1";

    public static string? Value(IFormCollection form, string name)
    {
        var v = form[name].ToString();
        return v.Length == 0 ? null : v;
    }

    /// <summary>Only redirect to our own paths (no open redirect to another site).</summary>
    public static string SafeReturnUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : "/";
}
