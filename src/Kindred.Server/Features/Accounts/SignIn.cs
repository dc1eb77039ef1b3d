using System.Net;
using System.Threading.RateLimiting;
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

    /// <summary>Too many attempts for this account name from new addresses: try again after <see cref="SignInResult.RetryAfter"/> (429).</summary>
    Throttled,
}

public sealed record SignInResult(SignInOutcome Outcome, User? User, DateTimeOffset? LockedUntil = null, TimeSpan? RetryAfter = null);

/// <summary>
/// Checks a username and password, throttled by account AND address (docs/admin-guide.md, "Sign-in limits"):
/// <list type="bullet">
/// <item>wrong passwords for one account from one address (IPv4, or IPv6 /64) pause that address for that account
/// after <c>MaxFailedSignIns</c>;</item>
/// <item>wrong passwords for one account from all addresses together pause the account after
/// <c>MaxFailedSignInsPerAccount</c>, but only for addresses it never signed in from; and attempts on one account name
/// from such addresses are rate-limited (<c>SignInAttemptsPerAccountPerMinute</c>);</item>
/// <item>so a stranger can neither guess freely nor lock the owner out: from an address the owner signed in from
/// before, only that address's own failures count.</item>
/// </list>
/// The per-address limit in front of this (AuthSetup) is generous, so a venue on one Wi-Fi is not one person.
/// Hashing goes through <see cref="PasswordHasher"/>'s gate. A success re-hashes the password when the Argon2id
/// parameters have changed since it was stored. Pauses are logged as warnings for admins.
/// </summary>
public sealed class SignIn : IDisposable
{
    private readonly UserStore _users;
    private readonly SignInAddresses _addresses;
    private readonly PasswordHasher _hasher;
    private readonly IOptions<KindredOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SignIn> _logger;
    private readonly Suspensions _suspensions;
    private readonly PartitionedRateLimiter<string> _perAccount;

    public SignIn(UserStore users, SignInAddresses addresses, PasswordHasher hasher, IOptions<KindredOptions> options, TimeProvider time, ILogger<SignIn> logger,
        Suspensions suspensions)
    {
        (_users, _addresses, _hasher, _options, _time, _logger, _suspensions) = (users, addresses, hasher, options, time, logger, suspensions);
        var perMinute = options.Value.Security.SignInAttemptsPerAccountPerMinute;
        _perAccount = PartitionedRateLimiter.Create<string, string>(name => RateLimitPartition.GetTokenBucketLimiter(name, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = Math.Max(1, perMinute / 6),
            ReplenishmentPeriod = TimeSpan.FromSeconds(10),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public async Task<SignInResult> CheckAsync(string? username, string? password, IPAddress? address, CancellationToken ct = default)
    {
        var result = await CheckCoreAsync(username, password, address, ct);
        Diagnostics.KindredMetrics.SignInAttempted(System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(result.Outcome.ToString()));
        return result;
    }

    private async Task<SignInResult> CheckCoreAsync(string? username, string? password, IPAddress? address, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password) || password.Length > AccountRules.MaxPasswordLength)
        {
            return new SignInResult(SignInOutcome.InvalidCredentials, null);
        }

        var user = await _users.FindByUsernameAsync(username, ct);
        if (user is null)
        {
            // Unknown names are throttled like known ones, so the answer does not tell which names exist.
            if (Throttle(AccountRules.Normalize(username)) is { } unknownWait)
            {
                return new SignInResult(SignInOutcome.Throttled, null, RetryAfter: unknownWait);
            }

            // A declined applicant hears so, but only with their own password: to anyone else the name looks unknown.
            if (await _users.FindDeclinedAsync(username, ct) is { } declinedHash)
            {
                return await _hasher.VerifyAsync(password, declinedHash, ct)
                    ? new SignInResult(SignInOutcome.Declined, null)
                    : new SignInResult(SignInOutcome.InvalidCredentials, null);
            }

            await _hasher.SpendEquivalentTimeAsync(password, ct);
            return new SignInResult(SignInOutcome.InvalidCredentials, null);
        }

        var security = _options.Value.Security;
        var lockout = TimeSpan.FromMinutes(security.LockoutMinutes);
        var now = _time.GetUtcNow();
        var key = await _addresses.KeyOfAsync(address, ct);
        var here = await _addresses.GetAsync(user.Id, key, ct);
        if (here?.LockedUntil is { } pausedHere && pausedHere > now)
        {
            return new SignInResult(SignInOutcome.LockedOut, null, pausedHere);
        }

        if (here?.Known != true)
        {
            if (user.LockedUntil is { } paused && paused > now)
            {
                return new SignInResult(SignInOutcome.LockedOut, null, paused);
            }

            if (Throttle(AccountRules.Normalize(user.Username)) is { } wait)
            {
                return new SignInResult(SignInOutcome.Throttled, null, RetryAfter: wait);
            }
        }

        if (!await _hasher.VerifyAsync(password, user.PasswordHash, ct))
        {
            var (failures, lockedUntil) = await _addresses.RecordFailureAsync(user.Id, key, here, security.MaxFailedSignIns, lockout, ct);
            var accountFailures = await _users.RecordFailedSignInAsync(user.Id, security.MaxFailedSignInsPerAccount, now + lockout, ct);
            if (accountFailures == security.MaxFailedSignInsPerAccount)
            {
                _logger.LogWarning("Sign-in: account {UserId} ({Username}) paused for {Minutes} minutes for addresses it never signed in from, " +
                                   "after {Count} wrong passwords; its owner can still sign in from a usual address", user.Id, user.Username, security.LockoutMinutes, accountFailures);
            }

            if (lockedUntil is not null)
            {
                _logger.LogWarning("Sign-in: account {UserId} ({Username}) paused for {Minutes} minutes from address {AddressKey} after {Count} wrong passwords",
                    user.Id, user.Username, security.LockoutMinutes, key[..8], failures);
                return new SignInResult(SignInOutcome.LockedOut, null, lockedUntil);
            }

            return new SignInResult(SignInOutcome.InvalidCredentials, null);
        }

        switch (user.Status)
        {
            case AccountStatus.Pending:
                return new SignInResult(SignInOutcome.AwaitingApproval, null);
            // A suspension whose end has passed is lifted now, and the person signs in.
            case AccountStatus.Suspended when !await _suspensions.LiftIfExpiredAsync(user.Id, ct):
                return new SignInResult(SignInOutcome.Suspended, null);
        }

        var newHash = _hasher.NeedsRehash(user.PasswordHash) ? await _hasher.HashAsync(password, ct) : null;
        await _users.RecordSignInAsync(user.Id, newHash, ct);
        await _addresses.RecordSuccessAsync(user.Id, key, ct);
        return new SignInResult(SignInOutcome.Success, user);
    }

    /// <summary>Null when an attempt on <paramref name="account"/> is allowed now, else how long to wait.</summary>
    private TimeSpan? Throttle(string account)
    {
        using var lease = _perAccount.AttemptAcquire(account);
        return lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
    }

    public static string Describe(SignInResult result) => result.Outcome switch
    {
        SignInOutcome.InvalidCredentials => "That username and password do not match. Check them and try again.",
        SignInOutcome.LockedOut => "Too many wrong passwords. For your safety, signing in to this account from here is paused for a few minutes; please try again later.",
        SignInOutcome.AwaitingApproval => "Your registration is waiting for an admin to approve it. You can sign in once it is approved.",
        SignInOutcome.Suspended => "This account is suspended. Contact the instance admins if you think this is a mistake.",
        SignInOutcome.Declined => "Your registration was declined by this community's admins, so there is no account to sign in to. " +
                                  "To ask why, or to ask again, contact the admins: the contact page (/contact) says how.",
        SignInOutcome.Throttled => "There have been many attempts to sign in to this account in the last minute. Please wait a moment and try again.",
        _ => "",
    };

    public void Dispose() => _perAccount.Dispose();
}
