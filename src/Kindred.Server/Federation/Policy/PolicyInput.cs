using System.Globalization;
using System.Text.Json;

namespace Kindred.Server.Federation.Policy;

/// <summary>
/// Reads the API's JSON bodies field by field, so a wrong type is answered with 400 naming that field (not a generic
/// "could not bind" error).
/// </summary>
public static class PolicyInput
{
    public static (DomainBlockInput Input, Dictionary<string, string> Errors) Block(JsonElement body)
    {
        var errors = new Dictionary<string, string>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = "Send a JSON object.";
            return (new DomainBlockInput(), errors);
        }

        var expires = Date(body, "expiresAt", errors, out var cleared);
        return (new DomainBlockInput
        {
            Domain = Text(body, "domain", errors),
            Severity = Text(body, "severity", errors),
            RejectMedia = Flag(body, "rejectMedia", errors),
            RejectReports = Flag(body, "rejectReports", errors),
            Obfuscate = Flag(body, "obfuscate", errors),
            PublicComment = Text(body, "publicComment", errors),
            PrivateComment = Text(body, "privateComment", errors),
            ExpiresAt = expires,
            ClearExpiry = cleared,
        }, errors);
    }

    public static (DomainAllowInput Input, Dictionary<string, string> Errors) Allow(JsonElement body)
    {
        var errors = new Dictionary<string, string>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = "Send a JSON object.";
            return (new DomainAllowInput(), errors);
        }

        return (new DomainAllowInput
        {
            Domain = Text(body, "domain", errors),
            PublicComment = Text(body, "publicComment", errors),
            PrivateComment = Text(body, "privateComment", errors),
        }, errors);
    }

    public static string? Text(JsonElement body, string name, Dictionary<string, string> errors)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.String)
        {
            errors[name] = $"{name} must be a string.";
            return null;
        }

        return v.GetString();
    }

    private static bool? Flag(JsonElement body, string name, Dictionary<string, string> errors)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return v.GetBoolean();
        }

        errors[name] = $"{name} must be true or false.";
        return null;
    }

    private static DateTimeOffset? Date(JsonElement body, string name, Dictionary<string, string> errors, out bool cleared)
    {
        cleared = false;
        if (!body.TryGetProperty(name, out var v))
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Null || (v.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(v.GetString())))
        {
            cleared = true;
            return null;
        }

        if (v.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at;
        }

        errors[name] = $"{name} must be a date and time such as 2027-01-31T12:00:00Z, or null.";
        return null;
    }
}
