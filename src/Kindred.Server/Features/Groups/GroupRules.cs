using System.Text.RegularExpressions;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Groups;

/// <summary>Validation of group fields, shared by the web forms and the API.</summary>
public static partial class GroupRules
{
    public const int MaxNameLength = 80;
    public const int MaxDescriptionLength = 500;
    public const int MaxRulesLength = 20_000;
    public const int MaxQuestionLength = 300;
    public const int MaxAnswerLength = 1000;

    /// <summary>Paths under /groups/ that are pages, not groups.</summary>
    private static readonly HashSet<string> RouteNames = new(StringComparer.OrdinalIgnoreCase) { "new", "mine" };

    public sealed record Fields(string? Slug, string? Name, string? Description, string? Rules, string? Visibility,
        string? JoinPolicy, string? JoinQuestion, string? Federation);

    /// <summary>Slugs follow the username rules (they share one namespace: name@host must name one actor).</summary>
    public static string? ValidateSlug(string? slug)
    {
        if (string.IsNullOrWhiteSpace(slug))
        {
            return "Choose a short web address for the group, e.g. living_with_anxiety.";
        }

        slug = slug.Trim();
        if (slug.Length is < 3 or > 30)
        {
            return "The web address is 3 to 30 characters long.";
        }

        if (!SlugPattern().IsMatch(slug))
        {
            return "Use only letters a-z, digits and underscores, starting with a letter or digit.";
        }

        if (AccountRules.ReservedNames.Contains(slug) || RouteNames.Contains(slug))
        {
            return "That name is reserved. Please choose another.";
        }

        return null;
    }

    /// <summary>Field errors for a new group (slug included) or an update (slug ignored).</summary>
    public static Dictionary<string, string> Validate(Fields f, bool isNew)
    {
        var errors = new Dictionary<string, string>();
        if (isNew && ValidateSlug(f.Slug) is { } slugError)
        {
            errors["slug"] = slugError;
        }

        if (string.IsNullOrWhiteSpace(f.Name) || f.Name.Trim().Length > MaxNameLength)
        {
            errors["name"] = $"Give the group a name of 1 to {MaxNameLength} characters.";
        }

        if ((f.Description ?? "").Trim().Length > MaxDescriptionLength)
        {
            errors["description"] = $"Keep the description under {MaxDescriptionLength} characters.";
        }

        if ((f.Rules ?? "").Length > MaxRulesLength)
        {
            errors["rules"] = $"Keep the rules under {MaxRulesLength} characters.";
        }

        if (!Group.Visibilities.Contains(f.Visibility))
        {
            errors["visibility"] = "Choose who can read the group: public or members only.";
        }

        if (!Group.JoinPolicies.Contains(f.JoinPolicy))
        {
            errors["joinPolicy"] = "Choose how people join: open, with approval or by invitation.";
        }

        if ((f.JoinQuestion ?? "").Trim().Length > MaxQuestionLength)
        {
            errors["joinQuestion"] = $"Keep the question under {MaxQuestionLength} characters.";
        }

        if (!Group.Federations.Contains(f.Federation))
        {
            errors["federation"] = "Choose whether posts are shared with other servers or stay on this one.";
        }

        return errors;
    }

    public static string? Clean(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_]*$")]
    private static partial Regex SlugPattern();
}
