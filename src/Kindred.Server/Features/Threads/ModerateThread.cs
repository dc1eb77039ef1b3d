using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>Moderators pin threads (shown first in the group) and lock them (no new replies).</summary>
public sealed class ModerateThread(Database db, ThreadQueries threads, PostStore posts)
{
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

        await db.InTransactionAsync((c, tx) => posts.PinOrLockAsync(c, tx, threadId, pinned, locked), ct);

        return Outcome<ThreadView>.Success((await threads.FindAsync(threadId, moderatorId, ct))!);
    }
}
