namespace Kindred.ActivityPub.Signatures.StructuredFields;

/// <summary>An RFC 8941 §3.3.4 token (kept distinct from strings, which serialise quoted).</summary>
public readonly record struct SfToken(string Value)
{
    public override string ToString() => Value;
}

/// <summary>Ordered parameters (RFC 8941 §3.1.2). Values are long, decimal, string, <see cref="SfToken"/>,
/// byte[] or bool.</summary>
public sealed class SfParameters
{
    private readonly List<KeyValuePair<string, object>> _items = [];

    public IReadOnlyList<KeyValuePair<string, object>> Items => _items;

    public object? this[string key] => _items.FirstOrDefault(p => p.Key == key).Value;

    public bool Contains(string key) => _items.Exists(p => p.Key == key);

    /// <summary>RFC 8941 §4.2.3.2: a repeated key overwrites the earlier value in place.</summary>
    public void Set(string key, object value)
    {
        var index = _items.FindIndex(p => p.Key == key);
        if (index >= 0)
        {
            _items[index] = new(key, value);
        }
        else
        {
            _items.Add(new(key, value));
        }
    }
}

/// <summary>An item: bare value plus parameters (RFC 8941 §3.3).</summary>
public sealed record SfItem(object Value, SfParameters Parameters);

/// <summary>An inner list (RFC 8941 §3.1.1), as in a Signature-Input member.</summary>
public sealed record SfInnerList(IReadOnlyList<SfItem> Items, SfParameters Parameters);

/// <summary>One dictionary member: either an <see cref="SfItem"/> or an <see cref="SfInnerList"/>.</summary>
public sealed record SfMember(string Key, SfItem? Item, SfInnerList? InnerList);
