using System.Security.Claims;

namespace Kindred.Server.Features.Accounts;

/// <summary>
/// Builds the claims for a signed-in person and re-checks them on each request, so that a password change,
/// suspension or deletion ends every session and token at once (the security stamp changes).
/// </summary>
public sealed class Sessions(UserStore users)
{
    public const string StampClaim = "kindred:stamp";

    /// <summary>Marks a session that began with the account's first sign-in (the home page welcomes, not "welcomes back").</summary>
    public const string FirstVisitClaim = Theming.Pages.FirstVisitClaim;

    /// <summary>The principal of a web session; <paramref name="returning"/> is false for someone signed in for the first time.</summary>
    public static ClaimsPrincipal CreatePrincipal(User user, string scheme, bool returning = true) =>
        new(new ClaimsIdentity(returning ? Claims(user) : [.. Claims(user), new Claim(FirstVisitClaim, "true")], scheme, ClaimTypes.Name, ClaimTypes.Role));

    public static IEnumerable<Claim> Claims(User user) =>
    [
        new(ClaimTypes.NameIdentifier, user.Id.ToString()),
        new(ClaimTypes.Name, user.Username),
        new(ClaimTypes.Role, user.Role),
        new(StampClaim, user.SecurityStamp),
    ];

    /// <summary>The current user behind <paramref name="principal"/>, or null when the session is no longer valid.</summary>
    public async Task<User?> ValidateAsync(ClaimsPrincipal? principal, CancellationToken ct = default)
    {
        var id = principal?.FindFirstValue(ClaimTypes.NameIdentifier) ?? principal?.FindFirstValue("sub");
        var stamp = principal?.FindFirstValue(StampClaim);
        if (!Guid.TryParse(id, out var userId) || stamp is null)
        {
            return null;
        }

        var user = await users.FindByIdAsync(userId, ct);
        return user is { Status: AccountStatus.Active } && user.SecurityStamp == stamp ? user : null;
    }

    public static Guid UserId(ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? principal.FindFirstValue("sub")!);
}
