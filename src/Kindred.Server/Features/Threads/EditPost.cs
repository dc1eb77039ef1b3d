using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>An author edits their own thread or reply; the post then shows when it was edited.</summary>
public sealed class EditPost(Database db, GroupPublisher publisher, TimeProvider time)
{
    /// <summary>Null fields keep their value; an empty content warning removes it.</summary>
    public sealed record Input(string? Title, string? Content, string? ContentWarning);

    private const string UpdateThread = """
        UPDATE threads SET title = @title, content = @content, content_warning = @contentWarning, edited_at = @at, updated_at = @at
        WHERE id = @id
        """;

    private const string UpdateReply = """
        UPDATE replies SET content = @content, content_warning = @contentWarning, edited_at = @at, updated_at = @at
        WHERE id = @id
        """;

    public async Task<Outcome<PostRef>> RunAsync(Guid postId, Guid userId, Input input, CancellationToken ct = default)
    {
        var result = await db.InTransactionAsync(async (c, tx) =>
        {
            var found = await PostLookup.FindOwnAsync(c, tx, postId, userId);
            if (!found.Ok)
            {
                return found.As<PostRef>();
            }

            var post = found.Value!;
            var title = input.Title ?? post.Title;
            var content = input.Content ?? post.Content;
            var contentWarning = input.ContentWarning ?? post.ContentWarning;
            var errors = PostRules.Validate(title, content, contentWarning, hasTitle: post.IsThread);
            if (errors.Count > 0)
            {
                return Outcome<PostRef>.Invalid(errors);
            }

            await c.ExecuteAsync(post.IsThread ? UpdateThread : UpdateReply, new
            {
                id = post.Id,
                title = title.Trim(),
                content,
                contentWarning = GroupRules.Clean(contentWarning),
                at = time.GetUtcNow(),
            }, tx);
            await publisher.PublishAsync(c, tx, post.Id, PostChange.Edited, ct);
            return Outcome<PostRef>.Success(post.Ref);
        }, ct);
        publisher.Wake();
        return result;
    }
}
