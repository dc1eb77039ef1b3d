namespace Kindred.Server.Data;

/// <summary>Application-generated ids: UUIDv7 (RFC 9562), time-ordered so indexes stay compact and keyset pagination sorts by creation.</summary>
public static class Ids
{
    public static Guid New(TimeProvider time) => Guid.CreateVersion7(time.GetUtcNow());

    /// <summary>When a UUIDv7 was made (its first 48 bits are Unix milliseconds); null for other versions.</summary>
    public static DateTimeOffset? CreatedAt(Guid id)
    {
        if (id.Version != 7)
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        long ms = 0;
        for (var i = 0; i < 6; i++)
        {
            ms = (ms << 8) | bytes[i];
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }
}
