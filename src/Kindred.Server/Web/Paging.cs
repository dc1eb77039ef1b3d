namespace Kindred.Server.Web;

/// <summary>
/// One page of a keyset-paginated list: the items and the cursor of the next page (null on the last). Lists are
/// read with LIMIT n+1 after the cursor, never with OFFSET, so page 100 costs what page 1 costs.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "Factory methods read best at the call site: Outcome<T>.NotFound().")]
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next)
{
    public const int DefaultSize = 20;

    /// <summary>Cuts a list read with <c>LIMIT size + 1</c> to <paramref name="size"/> and takes the cursor from the last item kept.</summary>
    public static Page<T> From(IReadOnlyList<T> rows, int size, Func<T, string> cursor) =>
        rows.Count > size ? new Page<T>(rows.Take(size).ToList(), cursor(rows[size - 1])) : new Page<T>(rows, null);
}

public static class Cursors
{
    /// <summary>Largest and smallest ids, so "no cursor" needs no second SQL text: UUIDv7 ids sort by time as text (SQLite) and as uuid (PostgreSQL).</summary>
    public static Guid Before(string? cursor) => Guid.TryParse(cursor, out var g) ? g : Guid.AllBitsSet;

    public static Guid After(string? cursor) => Guid.TryParse(cursor, out var g) ? g : Guid.Empty;

    /// <summary>Text cursors (e.g. slugs) start below every valid value.</summary>
    public static string AfterText(string? cursor) => cursor ?? "";
}
