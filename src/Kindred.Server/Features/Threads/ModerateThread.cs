using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>Moderators pin threads (shown first in the group) and lock them (no new replies).</summary>
public sealed class ModerateThread(Database db, ThreadQueries threads, TimeProvider time)
{
    private const string Update = """
        UPDATE threads SET
            pinned_at = CASE WHEN @setPinned = 1 THEN @pinnedAt ELSE pinned_at END,
            locked_at = CASE WHEN @setLocked = 1 THEN @lockedAt ELSE locked_at END,
            updated_at = @at
        WHERE id = @id
        """;

    /// <summary>Null leaves a setting as it is.</summary>
    public async Task<Outcome<ThreadView>> RunAsync(Guid threadId, Guid moderatorId, bool? pinned, bool? locked, CancellationToken ct = default)
    {
        var thread = await threads.FindAsync(threadId, moderatorId, ct);
        if (thread is null || thread.IsDeleted)
        {
            return Outcome<ThreadView>.NotFound();
        }

        if (!thread.CanModerate)
        {
            return Outcome<ThreadView>.Forbidden("Only the group's moderators can pin or lock threads.");
        }

        var at = time.GetUtcNow();
        await using (var c = await db.OpenAsync(ct))
        {
            await c.ExecuteAsync(Update, new
            {
                id = threadId,
                setPinned = pinned is null ? 0 : 1,
                pinnedAt = pinned == true ? (thread.PinnedAt ?? at) : (DateTimeOffset?)null,
                setLocked = locked is null ? 0 : 1,
                lockedAt = locked == true ? (thread.LockedAt ?? at) : (DateTimeOffset?)null,
                at,
            });
        }

        return Outcome<ThreadView>.Success((await threads.FindAsync(threadId, moderatorId, ct))!);
    }
}
