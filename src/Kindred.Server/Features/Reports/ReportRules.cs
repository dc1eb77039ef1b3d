namespace Kindred.Server.Features.Reports;

/// <summary>The short list of reasons a member can give, and the limits of a report. Shared by the form and the API.</summary>
public static class ReportRules
{
    public const int MaxCommentLength = 2000;
    public const int MaxNoteLength = 2000;

    public const string Spam = "spam";
    public const string Unkind = "unkind";
    public const string Unsafe = "unsafe";
    public const string AtRisk = "at-risk";
    public const string Other = "other";

    /// <summary>Reason keys in the order the form offers them, with the words shown.</summary>
    public static readonly IReadOnlyList<(string Key, string Label)> Reasons =
    [
        (Unkind, "Unkind, harassing or hateful"),
        (Unsafe, "Unsafe details (for example methods of self-harm)"),
        (AtRisk, "Someone may be in danger"),
        (Spam, "Spam or advertising"),
        (Other, "Something else"),
    ];

    public static bool IsReason(string? reason) => Reasons.Any(r => r.Key == reason);

    public static string Label(string reason) => Reasons.FirstOrDefault(r => r.Key == reason).Label ?? "Something else";

    /// <summary>A reason named by another server (Mastodon's category, or free text) in our list; anything else is "other".</summary>
    public static string FromRemote(string? category) => category?.Trim().ToLowerInvariant() switch
    {
        "spam" => Spam,
        "violation" or "legal" => Unkind,
        _ => Other,
    };
}
