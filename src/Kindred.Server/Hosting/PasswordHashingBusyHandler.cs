using Kindred.Server.Features.Accounts;
using Kindred.Server.Web;
using Microsoft.AspNetCore.Diagnostics;

namespace Kindred.Server.Hosting;

/// <summary>The password hasher's gate is full: 429 with a short Retry-After instead of a server error.</summary>
public sealed class PasswordHashingBusyHandler(ILogger<PasswordHashingBusyHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not PasswordHashingBusyException)
        {
            return false;
        }

        logger.LogInformation("Password hashing is at capacity; answered 429 to {Path}", httpContext.Request.Path);
        httpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        await TooManyRequests.WriteAsync(httpContext, PasswordHasher.MaxWait,
            "Many people are signing in right now, so checking your password has to wait. Please try again in a few seconds.");
        return true;
    }
}
