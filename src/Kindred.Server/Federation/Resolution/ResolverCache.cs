using BitFaster.Caching.Lru;

namespace Kindred.Server.Federation.Resolution;

/// <summary>Counts of one resolver cache. <see cref="Hits"/> are lookups answered from memory while fresh.</summary>
public sealed record CacheCounts(int Count, int Capacity, long Hits, long Misses, long Evicted)
{
    public double HitRatio => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);
}

/// <summary>How the resolver's in-memory caches of remote actors and keys are doing (delivery health page, tests).</summary>
public sealed record ResolverCacheStats(CacheCounts Actors, CacheCounts Keys);

/// <summary>
/// A bounded in-memory cache (BitFaster's concurrent LRU) of things fetched from other servers, each with the time it
/// was fetched, so the caller decides what is fresh with its own clock. Beyond <see cref="Capacity"/> entries the
/// least recently used go: a stranger sending activities from many actors cannot grow it without bound.
/// </summary>
public sealed class ResolverCache<TKey, TValue>(int capacity)
    where TKey : notnull
{
    private readonly ConcurrentLru<TKey, (TValue Value, DateTimeOffset FetchedAt)> _lru = new(Math.Max(3, capacity));
    private long _hits;
    private long _misses;

    public int Capacity { get; } = Math.Max(3, capacity);

    /// <summary>The entry when it is younger than <paramref name="maxAge"/>; counts a hit or a miss.</summary>
    public bool TryGetFresh(TKey key, DateTimeOffset now, TimeSpan maxAge, out TValue value)
    {
        if (_lru.TryGet(key, out var entry) && now - entry.FetchedAt < maxAge)
        {
            Interlocked.Increment(ref _hits);
            value = entry.Value;
            return true;
        }

        Interlocked.Increment(ref _misses);
        value = default!;
        return false;
    }

    /// <summary>The entry whatever its age; counts a hit or a miss.</summary>
    public bool TryGet(TKey key, out (TValue Value, DateTimeOffset FetchedAt) entry)
    {
        var found = _lru.TryGet(key, out entry);
        Interlocked.Increment(ref found ? ref _hits : ref _misses);
        return found;
    }

    public void Set(TKey key, TValue value, DateTimeOffset fetchedAt) => _lru.AddOrUpdate(key, (value, fetchedAt));

    public void Remove(TKey key) => _lru.TryRemove(key);

    /// <summary>Removes every entry <paramref name="match"/> selects (a revoked or deleted actor's keys).</summary>
    public void RemoveWhere(Func<TKey, TValue, bool> match)
    {
        foreach (var entry in _lru.Where(e => match(e.Key, e.Value.Value)).ToList())
        {
            _lru.TryRemove(entry.Key);
        }
    }

    public CacheCounts Counts() => new(_lru.Count, Capacity, Interlocked.Read(ref _hits), Interlocked.Read(ref _misses),
        _lru.Metrics.HasValue ? _lru.Metrics.Value!.Evicted : 0);
}
