using Microsoft.AspNetCore.Antiforgery;

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

    /// <summary>
    /// The form as sent, without the antiforgery check, when it came from one of our own pages in this browser: the
    /// antiforgery cookie (SameSite=Strict, so never sent from another site) came with it, or the browser says the request
    /// is same-origin (Fetch Metadata). Only to show someone the words they typed, in a form they must send again
    /// themselves (e.g. after their session ended, which makes the token's user no longer match); never to act on.
    /// </summary>
    public static async Task<IFormCollection?> ReadFromThisSiteAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType)
        {
            return null;
        }

        var fromHere = (http.Request.Cookies.ContainsKey(AntiforgeryCookie) || http.Request.Cookies.ContainsKey("__Host-" + AntiforgeryCookie))
                       || string.Equals(http.Request.Headers["Sec-Fetch-Site"].ToString(), "same-origin", StringComparison.Ordinal);
        return fromHere ? await http.Request.ReadFormAsync(http.RequestAborted) : null;
    }

    /// <summary>The antiforgery cookie's name (set in KindredApp).</summary>
    public const string AntiforgeryCookie = "kindred_csrf";

    /// <summary>What a person sees when a form fails its antiforgery check (usually: it was open too long).</summary>
    public static Task<IResult> ExpiredAsync(HttpContext http) =>
        http.RequestServices.GetRequiredService<Pages>().RenderAsync(http, "error", "Please try again", new
        {
            Heading = "Please try again",
            Message = "This form has expired or was sent from somewhere else. Go back, reload the page and send it again. Nothing was saved.",
        }, StatusCodes.Status400BadRequest);

    public static bool Checked(IFormCollection form, string name) =>
        form[name].ToString() is "on" or "true" or "1";

    /// <summary>
    /// A field's value, or null when it is empty. Browsers send a textarea's line breaks as CRLF (HTML form submission
    /// normalises them so); they are stored as the LF the member typed, so that what the API, Markdown and the next
    /// edit see is the same text, byte for byte.
    /// </summary>
    public static string? Value(IFormCollection form, string name)
    {
        var v = form[name].ToString();
        return v.Length == 0 ? null : v.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>Only redirect to our own paths (no open redirect to another site).</summary>
    public static string SafeReturnUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : "/";
}
