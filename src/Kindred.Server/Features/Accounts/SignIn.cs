using Kindred.Server.Configuration;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Accounts;

public enum SignInOutcome
{
    Success,
    InvalidCredentials,
    LockedOut,
    AwaitingApproval,
    Suspended,

    /// <summary>The admins declined this registration (told only to someone with its password).</summary>
    Declined,
}

public sealed record SignInResult(SignInOutcome Outcome, User? User, DateTimeOffset? LockedUntil = null);

/// <summary>
/// Checks a username and password. Repeated failures lock the account for a while (the per-address rate limit
/// in front of this stops guessing across many accounts); a success re-hashes the password when the Argon2id
/// parameters have changed since it was stored.
/// </summary>
public sealed class SignIn(UserStore users, PasswordHasher hasher, IOptions<KindredOptions> options, TimeProvider time, ILogger<SignIn> logger)
{
    public async Task<SignInResult> CheckAsync(string? username, string? password, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password) || password.Length > AccountRules.MaxPasswordLength)
        {
            return new SignInResult(SignInOutcome.InvalidCredentials, null);
        }

        var user = await users.FindByUsernameAsync(username, ct);
        if (user is null)
        {
            // A declined applicant hears so, but only with their own password: to anyone else the name looks unknown.
            if (await users.FindDeclinedAsync(username, ct) is { } declinedHash)
            {
                return hasher.Verify(password, declinedHash)
                    ? new SignInResult(SignInOutcome.Declined, null)
                    : new SignInResult(SignInOutcome.InvalidCredentials, null);
            }

            hasher.SpendEquivalentTime(password);
            return new SignInResult(SignInOutcome.InvalidCredentials, null);
        }

        var now = time.GetUtcNow();
        if (user.LockedUntil is { } until && until > now)
        {
            return new SignInResult(SignInOutcome.LockedOut, null, until);
        }

        if (!hasher.Verify(password, user.PasswordHash))
        {
            var security = options.Value.Security;
            await users.RecordFailedSignInAsync(user.Id, security.MaxFailedSignIns, now.AddMinutes(security.LockoutMinutes), ct);
            if (user.FailedSignIns + 1 >= security.MaxFailedSignIns)
            {
                logger.LogWarning("Account {UserId} locked after {Count} failed sign-ins", user.Id, user.FailedSignIns + 1);
                return new SignInResult(SignInOutcome.LockedOut, null, now.AddMinutes(security.LockoutMinutes));
            }

            return new SignInResult(SignInOutcome.InvalidCredentials, null);
        }

        switch (user.Status)
        {
            case AccountStatus.Pending:
                return new SignInResult(SignInOutcome.AwaitingApproval, null);
            case AccountStatus.Suspended:
                return new SignInResult(SignInOutcome.Suspended, null);
        }

        var newHash = hasher.NeedsRehash(user.PasswordHash) ? hasher.Hash(password) : null;
        await users.RecordSignInAsync(user.Id, newHash, ct);
        return new SignInResult(SignInOutcome.Success, user);
    }

    public static string Describe(SignInResult result) => result.Outcome switch
    {
        SignInOutcome.InvalidCredentials => "That username and password do not match. Check them and try again.",
        SignInOutcome.LockedOut => "Too many attempts. For your safety this account is paused for a few minutes; please try again later.",
        SignInOutcome.AwaitingApproval => "Your registration is waiting for an admin to approve it. You can sign in once it is approved.",
        SignInOutcome.Suspended => "This account is suspended. Contact the instance admins if you think this is a mistake.",
        SignInOutcome.Declined => "Your registration was declined by this community's admins, so there is no account to sign in to. " +
                                  "To ask why, or to ask again, contact the admins: the contact page (/contact) says how.",
        _ => "",
    };
}
