using System.Collections.Concurrent;

namespace Kindred.Server.Theming;

/// <summary>
/// The time zones people choose from (IANA names), and looking them up. The list is short on purpose: loading every
/// zone the system knows costs memory for the life of the process, and these cover where members live; any other
/// IANA name the server knows is accepted too.
/// </summary>
public static class TimeZones
{
    public const string Utc = "UTC";

    public static readonly IReadOnlyList<string> Common =
    [
        "UTC",
        "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Atlantic/Reykjavik", "Europe/Paris", "Europe/Brussels", "Europe/Amsterdam",
        "Europe/Berlin", "Europe/Zurich", "Europe/Vienna", "Europe/Rome", "Europe/Madrid", "Europe/Copenhagen", "Europe/Oslo",
        "Europe/Stockholm", "Europe/Helsinki", "Europe/Warsaw", "Europe/Prague", "Europe/Budapest", "Europe/Athens", "Europe/Bucharest",
        "Europe/Kyiv", "Europe/Istanbul", "Europe/Moscow",
        "Africa/Casablanca", "Africa/Lagos", "Africa/Cairo", "Africa/Nairobi", "Africa/Johannesburg",
        "Asia/Jerusalem", "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Jakarta", "Asia/Singapore",
        "Asia/Manila", "Asia/Hong_Kong", "Asia/Shanghai", "Asia/Seoul", "Asia/Tokyo",
        "Australia/Perth", "Australia/Adelaide", "Australia/Brisbane", "Australia/Sydney", "Australia/Melbourne", "Pacific/Auckland",
        "Pacific/Honolulu", "America/Anchorage", "America/Vancouver", "America/Los_Angeles", "America/Denver", "America/Phoenix",
        "America/Chicago", "America/Mexico_City", "America/Toronto", "America/New_York", "America/Halifax", "America/St_Johns",
        "America/Bogota", "America/Lima", "America/Santiago", "America/Sao_Paulo", "America/Argentina/Buenos_Aires",
    ];

    // Only zones that exist are remembered, so names typed by anyone cannot grow this without bound.
    private static readonly ConcurrentDictionary<string, TimeZoneInfo> Found = new(StringComparer.Ordinal);

    /// <summary>The zone named <paramref name="id"/>, or null when the server does not know it.</summary>
    public static TimeZoneInfo? Find(string? id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64)
        {
            return null;
        }

        id = id.Trim();
        if (Found.TryGetValue(id, out var zone))
        {
            return zone;
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone))
        {
            return null;
        }

        Found.TryAdd(id, zone);
        return zone;
    }

    public static bool IsKnown(string? id) => Find(id) is not null;

    /// <summary>How a zone is named in a list: "America/New York".</summary>
    public static string Label(string id) => id.Replace('_', ' ');
}
