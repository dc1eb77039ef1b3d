using System.Collections.Concurrent;
using System.Globalization;
using Scriban.Runtime;

namespace Kindred.Server.Theming;

/// <summary>
/// How a UTC time is shown to one viewer: in their time zone (their own choice, or the instance's). The one place
/// times become text, so that showing them in the member's language later changes only this class. Templates call it
/// as <c>{{ x | local_time.datetime }}</c> (also <c>date</c>, <c>long_date</c>, <c>short</c>) on the UTC
/// <see cref="DateTime"/>s view models carry; <c>&lt;time datetime&gt;</c> keeps the exact instant in ISO 8601.
/// </summary>
public sealed class LocalTime
{
    private static readonly ConcurrentDictionary<string, ScriptObject> ForTemplates = new(StringComparer.Ordinal);

    public LocalTime(TimeZoneInfo zone)
    {
        Zone = zone;
        // Times in UTC say so; in a zone the viewer chose (or their community's), the local time speaks for itself.
        _suffix = zone.Id is "UTC" or "Etc/UTC" ? " UTC" : "";
    }

    private readonly string _suffix;

    public TimeZoneInfo Zone { get; }

    public static LocalTime For(string? zoneId) => new(TimeZones.Find(zoneId) ?? TimeZoneInfo.Utc);

    /// <summary>"05 Mar 2026 14:05".</summary>
    public string DateTime(DateTimeOffset utc) => Format(utc, "dd MMM yyyy HH:mm") + _suffix;

    /// <summary>"05 Mar 2026".</summary>
    public string Date(DateTimeOffset utc) => Format(utc, "dd MMM yyyy");

    /// <summary>"05 March 2026".</summary>
    public string LongDate(DateTimeOffset utc) => Format(utc, "dd MMMM yyyy");

    /// <summary>"05 Mar 14:05", for times that are near.</summary>
    public string DayAndTime(DateTimeOffset utc) => Format(utc, "dd MMM HH:mm") + _suffix;

    private string Format(DateTimeOffset utc, string pattern) =>
        TimeZoneInfo.ConvertTime(utc, Zone).ToString(pattern, CultureInfo.InvariantCulture);

    /// <summary>The template functions for this zone (one read-only object per zone, shared by every render).</summary>
    public ScriptObject TemplateFunctions() => ForTemplates.GetOrAdd(Zone.Id, _ =>
    {
        var functions = new ScriptObject();
        functions.Import("datetime", new Func<object?, string>(t => Apply(t, DateTime)));
        functions.Import("date", new Func<object?, string>(t => Apply(t, Date)));
        functions.Import("long_date", new Func<object?, string>(t => Apply(t, LongDate)));
        functions.Import("short", new Func<object?, string>(t => Apply(t, DayAndTime)));
        functions.IsReadOnly = true;
        return functions;
    });

    private static string Apply(object? value, Func<DateTimeOffset, string> format) => value switch
    {
        DateTimeOffset o => format(o),
        System.DateTime d => format(new DateTimeOffset(System.DateTime.SpecifyKind(d, DateTimeKind.Utc))),
        _ => "",
    };
}
