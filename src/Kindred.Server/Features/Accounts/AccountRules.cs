using System.Net.Mail;
using System.Text.RegularExpressions;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Accounts;

/// <summary>Validation rules for account fields, shared by the web forms, the API and the command line.</summary>
public static partial class AccountRules
{
    public const int MinPasswordLength = 10;
    public const int MaxPasswordLength = 256;
    public const int MaxEmailLength = 254;

    /// <summary>
    /// Names that would collide with our own routes or mislead people. Users and groups share this namespace
    /// (a fediverse address name@host must name one actor).
    /// </summary>
    public static readonly HashSet<string> ReservedNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "admin", "administrator", "api", "inbox", "outbox", "users", "groups", "threads", "posts", "assets",
        "well-known", "nodeinfo", "webfinger", "actor", "instance", "help", "urgent-help", "support", "root",
        "system", "moderator", "moderators", "staff", "kindred", "signin", "sign-in", "signout", "register",
        "account", "settings", "login", "logout", "healthz", "readyz", "openapi", "about", "guidelines",
        "null", "undefined", "everyone", "all", "here", "notifications", "search", "static",
    };

    public static string Normalize(string value) => value.Trim().ToLowerInvariant();

    public static string? ValidateUsername(string? username)
    {
        if (string.IsNullOrWhiteSpace(username))
        {
            return "Choose a username.";
        }

        username = username.Trim();
        if (username.Length is < 3 or > 30)
        {
            return "Usernames are 3 to 30 characters long.";
        }

        if (!UsernamePattern().IsMatch(username))
        {
            return "Use only letters a-z, digits and underscores, starting with a letter or digit.";
        }

        if (ReservedNames.Contains(username))
        {
            return "That name is reserved. Please choose another.";
        }

        return null;
    }

    public static string? ValidateEmail(string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return "Enter an e-mail address.";
        }

        email = email.Trim();
        if (email.Length > MaxEmailLength || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || !email.Contains('.', StringComparison.Ordinal))
        {
            return "Enter a valid e-mail address, like name@example.org.";
        }

        return null;
    }

    public static string? ValidatePassword(string? password, string? username = null)
    {
        if (string.IsNullOrEmpty(password))
        {
            return "Choose a password.";
        }

        if (password.Length < MinPasswordLength)
        {
            return $"Use at least {MinPasswordLength} characters. A few unrelated words make a strong password that is easy to remember.";
        }

        if (password.Length > MaxPasswordLength)
        {
            return $"Use at most {MaxPasswordLength} characters.";
        }

        if (!string.IsNullOrEmpty(username) && password.Contains(username.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            return "Your password must not contain your username.";
        }

        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_]*$")]
    private static partial Regex UsernamePattern();
}
