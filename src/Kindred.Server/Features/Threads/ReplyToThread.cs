using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Features.Notifications;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>
/// A member answers a thread or another reply. The first answer from someone other than the author takes the
/// thread off "waiting for a reply"; the thread's author and the person answered are notified.
/// </summary>
public sealed class ReplyToThread(Database db, ThreadQueries threads, Notifications.Notifications notifications, GroupPublisher publisher, TimeProvider time)
{
    public sealed record Input(string? Content, string? ContentWarning, Guid? InReplyTo);

    private const string Parent = "SELECT id, root_id, depth, author_id FROM replies WHERE id = @id AND thread_id = @threadId";

    private sealed record ParentRow
    {
        public Guid Id { get; init; }
        public Guid RootId { get; init; }
        public int Depth { get; init; }
        public Guid? AuthorId { get; init; }
    }

    private const string Insert = """
        INSERT INTO replies (id, thread_id, in_reply_to, root_id, depth, author_id, content, content_warning, origin, created_at, updated_at)
        VALUES (@Id, @ThreadId, @InReplyTo, @RootId, @Depth, @AuthorId, @Content, @ContentWarning, 'local', @at, @at)
        """;

    // The lock check is repeated here, inside the transaction, so a reply cannot slip in as a moderator locks the thread.
    private const string Count = """
        UPDATE threads SET reply_count = reply_count + 1,
            answered_at = CASE WHEN answered_at IS NULL AND (author_id IS NULL OR author_id <> @authorId) THEN @at ELSE answered_at END
        WHERE id = @threadId AND locked_at IS NULL AND deleted_at IS NULL
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

        var id = Ids.New(time);
        var at = time.GetUtcNow();
        var result = await db.InTransactionAsync(async (c, tx) =>
        {
            ParentRow? parent = null;
            if (input.InReplyTo is { } parentId)
            {
                parent = await c.QuerySingleOrDefaultAsync<ParentRow>(Parent, new { id = parentId, threadId }, tx);
                if (parent is null)
                {
                    return Outcome<ReplyView>.Invalid("inReplyTo", "The reply you are answering is not in this thread.");
                }
            }

            if (await c.ExecuteAsync(Count, new { threadId, authorId, at }, tx) == 0)
            {
                return Outcome<ReplyView>.Conflict("This thread was just locked or deleted; it takes no new replies.");
            }

            var reply = new ReplyView
            {
                Id = id,
                ThreadId = threadId,
                InReplyTo = parent?.Id,
                RootId = parent?.RootId ?? id,
                Depth = parent is null ? 0 : parent.Depth + 1,
                AuthorId = authorId,
                Content = input.Content!,
                ContentWarning = GroupRules.Clean(input.ContentWarning),
                CreatedAt = at,
            };
            await c.ExecuteAsync(Insert, new
            {
                reply.Id, reply.ThreadId, reply.InReplyTo, reply.RootId, reply.Depth, reply.AuthorId, reply.Content, reply.ContentWarning, at,
            }, tx);

            // One notification per person, never to yourself.
            var notify = new HashSet<Guid>();
            if (thread.AuthorId is { } threadAuthor)
            {
                notify.Add(threadAuthor);
            }

            if (parent?.AuthorId is { } parentAuthor)
            {
                notify.Add(parentAuthor);
            }

            notify.Remove(authorId);
            foreach (var userId in notify)
            {
                await notifications.AddAsync(c, tx, userId, NotificationKinds.Reply, thread.GroupId, threadId, id, authorId);
            }

            await publisher.PublishAsync(c, tx, id, PostChange.Created, ct);
            return Outcome<ReplyView>.Success(reply);
        }, ct);
        publisher.Wake();
        return result;
    }
}
