using System.Data.Common;
using Dapper;
using Kindred.Server.Features.Threads;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Posts;

/// <summary>
/// Edits and deletions of remote posts we hold, whichever side the group is on, on the caller's connection and
/// transaction. Who may edit or delete (the author; for deletes in groups hosted elsewhere also the group's home) is
/// decided by the handlers. A deleted post stays deleted: edits do not bring it back. Deletion is soft, as for local
/// posts: the words go at once, the row stays as a placeholder so the answers around it still make sense.
/// </summary>
public static class RemotePostChanges
{
    private const string EditThread = """
        UPDATE threads SET title = @Title, content = @Content, content_warning = @ContentWarning, edited_at = @At, updated_at = @At
        WHERE id = @Id AND deleted_at IS NULL
        """;

    private const string EditReply = """
        UPDATE replies SET content = @Content, content_warning = @ContentWarning, edited_at = @At, updated_at = @At
        WHERE id = @Id AND deleted_at IS NULL
        """;

    /// <summary>Stores the new words of <paramref name="stored"/> (a thread's title follows them); false when it is deleted.</summary>
    public static async Task<bool> EditAsync(DbConnection c, DbTransaction tx, StoredPost stored, PostFields fields, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(fields);
        return await c.ExecuteAsync(stored.IsThread ? EditThread : EditReply, new
        {
            stored.Id, fields.Title, fields.Content, fields.ContentWarning, At = at,
        }, tx) > 0;
    }

    private const string EraseThread = """
        UPDATE threads SET title = '', content = '', content_warning = NULL, deleted_at = @at, updated_at = @at WHERE id = @id AND deleted_at IS NULL
        """;

    private const string EraseReply = """
        UPDATE replies SET content = '', content_warning = NULL, deleted_at = @at, updated_at = @at WHERE id = @id AND deleted_at IS NULL
        """;

    /// <summary>Erases <paramref name="stored"/>; a reply also leaves the thread's count and may put the thread back on
    /// "waiting for a reply" (<see cref="DeletePost.RecountAsync"/>). False when it was deleted already.</summary>
    public static async Task<bool> EraseAsync(DbConnection c, DbTransaction tx, StoredPost stored, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (await c.ExecuteAsync(stored.IsThread ? EraseThread : EraseReply, new { id = stored.Id, at }, tx) == 0)
        {
            return false;
        }

        if (!stored.IsThread)
        {
            await DeletePost.RecountAsync(c, tx, stored.ThreadId);
        }

        return true;
    }
}
