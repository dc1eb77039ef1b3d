using System.Data.Common;
using Kindred.Server.Data;
using Kindred.Server.Features.Admin;
using Kindred.Server.Configuration;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Accounts;

public sealed record RegistrationRequest(
    string? Username,
    string? Email,
    string? Password,
    bool AcceptGuidelines,
    bool ConsentToProcessing,
    bool ConfirmAge,
    string? InviteCode,
    string? Reason);

public enum RegistrationOutcome
{
    Active,
    AwaitingApproval,
    Closed,
    Invalid,
}

public sealed record RegistrationResult(RegistrationOutcome Outcome, User? User, IReadOnlyDictionary<string, string> Errors)
{
    public static RegistrationResult Fail(Dictionary<string, string> errors) => new(RegistrationOutcome.Invalid, null, errors);
}

/// <summary>
/// Registers a member according to the instance's registration mode. Shared by the web form and the API, so
/// both enforce the same rules: guidelines accepted, explicit consent to processing health-related data
/// (GDPR Art. 9(2)(a)), minimum age confirmed, each recorded with its time and the version of the text accepted.
/// </summary>
public sealed class Registration(
    Database db,
    InstanceSettings settings,
    Invites invites,
    PasswordHasher hasher,
    IOptions<KindredOptions> options,
    TimeProvider time)
{
    public const int MaxReasonLength = 1000;

    public async Task<RegistrationResult> RegisterAsync(RegistrationRequest r, CancellationToken ct = default)
    {
        var instance = await settings.GetAsync(ct);
        var mode = instance.RegistrationMode;
        if (mode == "closed")
        {
            return new RegistrationResult(RegistrationOutcome.Closed, null, new Dictionary<string, string>());
        }

        var errors = Validate(r, mode);
        if (errors.Count > 0)
        {
            return RegistrationResult.Fail(errors);
        }

        var now = time.GetUtcNow();
        // An invite code works in every mode but closed; a valid one opens the account without waiting for approval.
        var inviteCode = string.IsNullOrWhiteSpace(r.InviteCode) ? null : r.InviteCode.Trim();
        var user = new User
        {
            Id = Ids.New(time),
            Username = r.Username!.Trim(),
            Email = r.Email!.Trim(),
            PasswordHash = await hasher.HashAsync(r.Password!, ct),
            Role = Roles.Member,
            Status = mode == "approval" && inviteCode is null ? AccountStatus.Pending : AccountStatus.Active,
            SecurityStamp = UserStore.NewSecurityStamp(),
            CreatedAt = now,
            GuidelinesVersion = instance.GuidelinesLabel,
            GuidelinesAcceptedAt = now,
            ConsentVersion = options.Value.Registration.ConsentVersion,
            ConsentGivenAt = now,
            AgeConfirmedAt = options.Value.Registration.MinimumAge > 0 ? now : null,
            RegistrationReason = string.IsNullOrWhiteSpace(r.Reason) ? null : r.Reason.Trim(),
        };

        try
        {
            return await db.InTransactionAsync(async (c, tx) =>
            {
                var conflicts = await UserStore.FindConflictsAsync(c, tx, user.Username, user.Email);
                if (conflicts.Count > 0)
                {
                    return RegistrationResult.Fail(conflicts);
                }

                Guid? inviteId = null;
                if (inviteCode is not null)
                {
                    inviteId = await invites.RedeemAsync(c, tx, inviteCode);
                    if (inviteId is null)
                    {
                        return RegistrationResult.Fail(new() { ["inviteCode"] = "That invite code does not work: it may be mistyped, used up, expired or withdrawn. Check it, or ask the person who invited you for a new one." });
                    }
                }

                await UserStore.InsertAsync(c, tx, user, inviteId);
                var outcome = user.Status == AccountStatus.Pending ? RegistrationOutcome.AwaitingApproval : RegistrationOutcome.Active;
                return new RegistrationResult(outcome, user, new Dictionary<string, string>());
            }, ct);
        }
        catch (DbException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            // Two registrations raced for the same name or address; the transaction rolled back.
            return RegistrationResult.Fail(new() { ["username"] = "That username or e-mail address was just taken. Please choose another." });
        }
    }

    private Dictionary<string, string> Validate(RegistrationRequest r, string mode)
    {
        var errors = new Dictionary<string, string>();
        Add(errors, "username", AccountRules.ValidateUsername(r.Username));
        Add(errors, "email", AccountRules.ValidateEmail(r.Email));
        Add(errors, "password", AccountRules.ValidatePassword(r.Password, r.Username));
        if (!r.AcceptGuidelines)
        {
            errors["acceptGuidelines"] = "Please read and accept the community guidelines to join.";
        }

        if (!r.ConsentToProcessing)
        {
            errors["consentToProcessing"] = "We need your explicit consent to store what you share, because it may be about your health.";
        }

        var minimumAge = options.Value.Registration.MinimumAge;
        if (minimumAge > 0 && !r.ConfirmAge)
        {
            errors["confirmAge"] = $"Please confirm that you are {minimumAge} or older.";
        }

        if (mode == "invite" && string.IsNullOrWhiteSpace(r.InviteCode))
        {
            errors["inviteCode"] = "This community joins by invitation. Enter the invite code you were given.";
        }

        if (r.InviteCode?.Length > 40)
        {
            errors["inviteCode"] = "That is not an invite code. Check it, or ask the person who invited you for a new one.";
        }

        if (r.Reason?.Length > MaxReasonLength)
        {
            errors["reason"] = $"Please keep this under {MaxReasonLength} characters.";
        }

        return errors;
    }

    private static void Add(Dictionary<string, string> errors, string field, string? message)
    {
        if (message is not null)
        {
            errors[field] = message;
        }
    }
}
