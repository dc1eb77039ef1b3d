namespace Kindred.ActivityPub.Signatures;

/// <summary>
/// HTTP header fields of one message: case-insensitive names (RFC 9110 §5.1), several field lines
/// per name kept in the order received. Order matters: RFC 9421 §2.1 and draft-cavage-12 §2.3
/// both combine repeated field lines with ", " in their original order.
/// </summary>
public sealed class HeaderCollection
{
    private readonly Dictionary<string, List<string>> _fields = new(StringComparer.OrdinalIgnoreCase);

    public HeaderCollection()
    {
    }

    public HeaderCollection(IEnumerable<KeyValuePair<string, string>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        foreach (var (name, value) in fields)
        {
            Add(name, value);
        }
    }

    /// <summary>Appends one field line.</summary>
    public void Add(string name, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!_fields.TryGetValue(name, out var list))
        {
            list = [];
            _fields[name] = list;
        }

        list.Add(value);
    }

    /// <summary>Replaces every field line of <paramref name="name"/> with one value.</summary>
    public void Set(string name, string value)
    {
        Remove(name);
        Add(name, value);
    }

    public bool Remove(string name) => _fields.Remove(name);

    public bool Contains(string name) => _fields.ContainsKey(name);

    /// <summary>All field lines for the name, in order (empty when absent).</summary>
    public IReadOnlyList<string> GetAll(string name) =>
        _fields.TryGetValue(name, out var list) ? list : [];

    /// <summary>First field line, or null.</summary>
    public string? GetFirst(string name) =>
        _fields.TryGetValue(name, out var list) && list.Count > 0 ? list[0] : null;

    /// <summary>
    /// The canonical combined value: each field line trimmed of leading/trailing whitespace, obsolete
    /// line folding replaced by a single space, lines joined with ", " (RFC 9421 §2.1, cavage-12 §2.3).
    /// Null when the field is absent.
    /// </summary>
    public string? GetCombined(string name)
    {
        if (!_fields.TryGetValue(name, out var list) || list.Count == 0)
        {
            return null;
        }

        return string.Join(", ", list.Select(Canonicalise));
    }

    /// <summary>Every (name, value) field line; names as first added.</summary>
    public IEnumerable<KeyValuePair<string, string>> Lines =>
        _fields.SelectMany(kv => kv.Value.Select(v => new KeyValuePair<string, string>(kv.Key, v)));

    private static string Canonicalise(string value)
    {
        if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
        {
            // obs-fold (RFC 9112 §5.2): CRLF followed by whitespace is replaced by one SP.
            var parts = value.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
            value = string.Join(' ', parts.Select(p => p.Trim(' ', '\t')));
        }

        return value.Trim(' ', '\t');
    }
}
