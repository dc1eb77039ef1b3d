namespace Kindred.Server.Federation.Policy;

/// <summary>
/// A compiled, immutable lookup from a host to the most specific entry that covers it. A host is looked up once per
/// label (e.g. <c>a.b.example</c>: <c>a.b.example</c>, <c>b.example</c>, <c>example</c>), each a hash lookup, so the
/// cost does not grow with the number of entries (10,000 blocks cost the same as ten).
/// </summary>
public sealed class DomainMatcher<T> where T : class
{
    private readonly Dictionary<string, T> _names = new(StringComparer.Ordinal);     // covers the name and its subdomains
    private readonly Dictionary<string, T> _wildcards = new(StringComparer.Ordinal); // covers only names under it
    private readonly Dictionary<string, T> _addresses = new(StringComparer.Ordinal); // IP literals: exactly that address

    public DomainMatcher(IEnumerable<(string Domain, T Entry)> entries)
    {
        foreach (var (domain, entry) in entries)
        {
            if (domain.StartsWith("*.", StringComparison.Ordinal))
            {
                _wildcards[domain[2..]] = entry;
            }
            else if (DomainPattern.IsIp(domain))
            {
                _addresses[domain] = entry;
            }
            else
            {
                _names[domain] = entry;
            }
        }
    }

    public int Count => _names.Count + _wildcards.Count + _addresses.Count;

    /// <summary>The most specific entry covering <paramref name="host"/> (lower case, no port), or null.</summary>
    public T? Find(string host)
    {
        if (Count == 0 || host.Length == 0)
        {
            return null;
        }

        if (_names.TryGetValue(host, out var exact) || _addresses.TryGetValue(host, out exact))
        {
            return exact;
        }

        // Walk up the labels: the longest covering suffix wins.
        for (var dot = host.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = host.IndexOf('.', dot + 1))
        {
            var suffix = host[(dot + 1)..];
            if (_wildcards.TryGetValue(suffix, out var wild))
            {
                return wild;
            }

            if (_names.TryGetValue(suffix, out var parent))
            {
                return parent;
            }
        }

        return null;
    }
}
