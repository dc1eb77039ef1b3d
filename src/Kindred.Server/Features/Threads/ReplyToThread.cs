using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Features.Changes;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>
/// A member answers a thread or another reply. The first answer from someone other than the author takes the
/// thread off "waiting for a reply"; the thread's author and the person answered are notified.
/// </summary>
public sealed class ReplyToThread(Database db, ThreadQueries threads, PostStore posts, ChangeLog changes)
{
    public sealed record Input(string? Content, string? ContentWarning, Guid? InReplyTo);

    private const string Parent = """
        SELECT 'reply' AS kind, r.id, r.thread_id, t.group_id, r.root_id, r.depth, r.author_id, t.author_id AS thread_author_id, r.remote_author, r.deleted_at
        FROM replies r JOIN threads t ON t.id = r.thread_id WHERE r.id = @id AND r.thread_id = @threadId
        """;

    public async Task<Outcome<ReplyView>> RunAsync(Guid threadId, Guid authorId, Input input, CancellationToken ct = default)
    {
        var thread = await threads.FindAsync(threadId, authorId, ct);
        if (thread is null)
        {
            return Outcome<ReplyView>.NotFound();
        }

        if (!thread.IsMember)
        {
            return Outcome<ReplyView>.Forbidden("Join the group to reply.");
        }

        if (thread.IsDeleted)
        {
            return Outcome<ReplyView>.Conflict("This thread was deleted, so it takes no new replies.");
        }

        if (thread.IsLocked)
        {
            return Outcome<ReplyView>.Conflict("This thread is locked by the moderators; it takes no new replies.");
        }

        var errors = PostRules.Validate(null, input.Content, input.ContentWarning, hasTitle: false);
        if (errors.Count > 0)
        {
            return Outcome<ReplyView>.Invalid(errors);
        }

        return await db.InTransactionAsync(async (c, tx) =>
        {
            StoredPost? parent = null;
            if (input.InReplyTo is { } parentId)
            {
                parent = await c.QuerySingleOrDefaultAsync<StoredPost>(Parent, new { id = parentId, threadId }, tx);
                if (parent is null)
                {
                    return Outcome<ReplyView>.Invalid("inReplyTo", "The reply you are answering is not in this thread.");
                }
            }

            var fields = new PostFields("", input.Content!, GroupRules.Clean(input.ContentWarning));
            var (outcome, id, at) = await posts.ReplyAsync(c, tx, thread.GroupId, threadId, thread.AuthorId, parent, authorId, fields);
            if (outcome == ReplyOutcome.ThreadClosed)
            {
                return Outcome<ReplyView>.Conflict("This thread was just locked or deleted; it takes no new replies.");
            }

            await changes.RecordAsync(c, tx, new PostChanged(id, PostChange.Created), ct);
            return Outcome<ReplyView>.Success(new ReplyView
            {
                Id = id,
                ThreadId = threadId,
                InReplyTo = parent?.Id,
                RootId = parent?.RootId ?? id,
                Depth = parent is null ? 0 : parent.Depth + 1,
                AuthorId = authorId,
                Content = fields.Content,
                ContentWarning = fields.ContentWarning,
                CreatedAt = at,
            });
        }, ct);
    }
}
