using Kindred.Server.Configuration;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Kindred.Server.Features.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Kindred.Server.Web;

namespace Kindred.Server.Hosting;

/// <summary>Cookie sign-in for the web, bearer tokens for the API, and the sign-in rate limit.</summary>
public static class AuthSetup
{
    public static IServiceCollection AddKindredAuth(this IServiceCollection services, KindredOptions options)
    {
        var https = options.PublicUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                // "__Host-" binds the cookie to this exact origin (no Domain, Path=/, Secure) where TLS allows it.
                o.Cookie.Name = https ? "__Host-kindred" : "kindred_session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = https ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                o.Cookie.Path = "/";
                o.LoginPath = "/signin";
                o.LogoutPath = "/signout";
                o.AccessDeniedPath = "/forbidden";
                o.ExpireTimeSpan = TimeSpan.FromDays(14);
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = async ctx =>
                {
                    var sessions = ctx.HttpContext.RequestServices.GetRequiredService<Sessions>();
                    if (await sessions.ValidateAsync(ctx.Principal, ctx.HttpContext.RequestAborted) is not { } user)
                    {
                        ctx.RejectPrincipal();
                        await ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                        return;
                    }

                    // The member's own time zone, for the times on this request's page (read with the session check, no extra query).
                    ctx.HttpContext.Items[Theming.Pages.ViewerTimeZoneItem] = user.TimeZone;
                };
            })
            .AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.Events = new JwtBearerEvents
                {
                    OnTokenValidated = async ctx =>
                    {
                        var sessions = ctx.HttpContext.RequestServices.GetRequiredService<Sessions>();
                        if (await sessions.ValidateAsync(ctx.Principal, ctx.HttpContext.RequestAborted) is null)
                        {
                            ctx.Fail("The token is no longer valid.");
                        }
                    },
                    OnChallenge = async ctx =>
                    {
                        // RFC 9457 problem details instead of an empty 401.
                        ctx.HandleResponse();
                        ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        ctx.Response.Headers.WWWAuthenticate = "Bearer";
                        await TypedResults.Problem(
                            title: "Authentication required",
                            detail: "Send a valid access token: Authorization: Bearer <token> (from POST /api/v1/auth/token).",
                            statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(ctx.HttpContext);
                    },
                    OnForbidden = async ctx =>
                    {
                        await TypedResults.Problem(title: "Forbidden", detail: "Your account may not do this.", statusCode: StatusCodes.Status403Forbidden)
                            .ExecuteAsync(ctx.HttpContext);
                    },
                };
            });

        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<AccessTokens>((o, tokens) =>
            {
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = tokens.Issuer,
                    ValidAudience = tokens.Issuer,
                    IssuerSigningKeyResolver = (_, _, _, _) => [tokens.Key],
                    NameClaimType = ClaimTypes.Name,
                    RoleClaimType = ClaimTypes.Role,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Api, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser())
            .AddPolicy(Policies.ApiAdmin, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireRole(Roles.Admin))
            .AddPolicy(Policies.Admin, p => p.AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme).RequireRole(Roles.Admin));

        // Sign-in and registration, per client address (an IPv4 address or an IPv6 /64): a generous burst and rate, so
        // a whole venue on one Wi-Fi is not one person. Per account limits and lockouts live in SignIn.
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(Policies.SignInRateLimit, http =>
            {
                var security = http.RequestServices.GetRequiredService<IOptions<KindredOptions>>().Value.Security;
                return RateLimitPartition.GetTokenBucketLimiter(ClientAddress.Key(http.Connection.RemoteIpAddress), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = security.SignInBurstPerAddress,
                    TokensPerPeriod = Math.Max(1, security.SignInAttemptsPerMinute / 6),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(10),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (ctx, ct) =>
            {
                var retry = ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
                ctx.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AuthSetup))
                    .LogInformation("Sign-in rate limit reached for {Address}", ClientAddress.Key(ctx.HttpContext.Connection.RemoteIpAddress));
                await TooManyRequests.WriteAsync(ctx.HttpContext, retry,
                    "There have been a great many sign-in attempts from your network in the last few minutes. Please wait a moment and try again.");
            };
        });

        services.AddExceptionHandler<PasswordHashingBusyHandler>();

        return services;
    }
}
