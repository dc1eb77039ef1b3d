using Kindred.Server.Web;

namespace Kindred.Server.Features.Accounts;

public static class AccountStatus
{
    public const string Active = "active";
    public const string Pending = "pending";
    public const string Suspended = "suspended";
}

public sealed record User
{
    public Guid Id { get; init; }
    public string Username { get; init; } = "";
    public string Email { get; init; } = "";
    public string? DisplayName { get; init; }
    public string PasswordHash { get; init; } = "";
    public string Role { get; init; } = Roles.Member;
    public string Status { get; init; } = AccountStatus.Active;
    public string SecurityStamp { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public string GuidelinesVersion { get; init; } = "";
    public DateTimeOffset GuidelinesAcceptedAt { get; init; }
    public string ConsentVersion { get; init; } = "";
    public DateTimeOffset ConsentGivenAt { get; init; }
    public DateTimeOffset? AgeConfirmedAt { get; init; }
    public string? RegistrationReason { get; init; }
    public int FailedSignIns { get; init; }
    public DateTimeOffset? LockedUntil { get; init; }
    public DateTimeOffset? LastFailedSignInAt { get; init; }
    public DateTimeOffset? LastSignInAt { get; init; }

    /// <summary>The IANA time zone pages show this member times in; null for the instance's.</summary>
    public string? TimeZone { get; init; }

    public bool IsAdmin => Role == Roles.Admin;
}
