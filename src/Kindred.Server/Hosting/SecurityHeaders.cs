using Kindred.Server.Features.Admin;
using Kindred.Server.Web;

namespace Kindred.Server.Hosting;

/// <summary>
/// Headers on every response: a strict Content-Security-Policy (the site needs no JavaScript at all, so none may
/// run), no framing, no referrer leaks, and "noindex" unless the admin allows search engines.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; manifest-src 'self'";

    public static IApplicationBuilder UseKindredSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            var settings = await http.RequestServices.GetRequiredService<InstanceSettings>().GetAsync(http.RequestAborted);
            http.Response.OnStarting(() =>
            {
                var h = http.Response.Headers;
                h.ContentSecurityPolicy = ContentSecurityPolicy;
                h.XContentTypeOptions = "nosniff";
                h.XFrameOptions = "DENY";
                h["Referrer-Policy"] = "no-referrer";
                h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=(), browsing-topics=()";
                h["Cross-Origin-Opener-Policy"] = "same-origin";
                h["Cross-Origin-Resource-Policy"] = "same-origin";
                if (!settings.AllowSearchIndexing)
                {
                    h["X-Robots-Tag"] = "noindex, nofollow, noarchive";
                }

                if (http.Request.IsHttps)
                {
                    h.StrictTransportSecurity = "max-age=31536000";
                }

                return Task.CompletedTask;
            });
            await next(http);
        });
}
