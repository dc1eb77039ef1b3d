using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Features.Changes;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>An author edits their own thread or reply; the post then shows when it was edited.</summary>
public sealed class EditPost(Database db, PostStore posts, ChangeLog changes)
{
    /// <summary>Null fields keep their value; an empty content warning removes it.</summary>
    public sealed record Input(string? Title, string? Content, string? ContentWarning);

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

            if (!await posts.EditAsync(c, tx, post.Id, post.IsThread, new PostFields(title, content, GroupRules.Clean(contentWarning))))
            {
                return Outcome<PostRef>.Conflict("The group's moderators removed this post, so it cannot be edited.");
            }

            await changes.RecordAsync(c, tx, new PostChanged(post.Id, PostChange.Edited), ct);
            return Outcome<PostRef>.Success(post.Ref);
        }, ct);
        return result;
    }
}
