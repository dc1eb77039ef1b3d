namespace Kindred.Server.Data;

/// <summary>Application-generated ids: UUIDv7 (RFC 9562), time-ordered so indexes stay compact and keyset pagination sorts by creation.</summary>
public static class Ids
{
    public static Guid New(TimeProvider time) => Guid.CreateVersion7(time.GetUtcNow());
}
