using Kindred.Server.Features.Moderation;
using Kindred.Server.Tests.RemoteGroups;
using Kindred.Server.Tests.TestRig;
using static Kindred.Server.Tests.RemoteGroups.RemoteGroupRig;

namespace Kindred.Server.Tests.Moderation;

/// <summary>
/// Moderators of a group hosted elsewhere remove and restore posts in the shapes Lemmy sends (recorded payloads:
/// <c>remove_note.json</c>, <c>undo_remove_note.json</c>, <c>undo_delete_page.json</c>; see Fixtures/recorded SOURCES.md):
/// a removal hides the post here and can be undone; an author's own deletion erases and is never undone.
/// </summary>
public abstract class RemoteRemovalTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private static readonly string[] LemmyHosts = ["enterprise.lemmy.ml", "ds9.lemmy.ml"];

    private RemoteGroupRig Rig => new(fixture.Server);

    private async Task<(FakeGroupServer Group, Uri Comment)> CommentAsync(RemoteGroupRig rig)
    {
        var group = new FakeGroupServer("main", "/c/main");
        await rig.JoinedMemberAsync(group);
        group.Serve("/post/1", Recorded("lemmy/activities/create_or_update/update_page.json", group, LemmyHosts)["object"]!.DeepClone());
        await rig.DeliverAsync(group, group.Announce(Recorded("lemmy/activities/create_or_update/create_comment.json", group, LemmyHosts)));
        var comment = group.Id("/comment/1");
        Assert.NotNull(await rig.ReplyAsync(comment));
        return (group, comment);
    }

    private async Task<(string? RemovedAt, string? Reason, string? By)> RemovalAsync(RemoteGroupRig rig, Uri comment)
    {
        var row = await rig.ScalarAsync<string?>("SELECT removal_reason FROM replies WHERE ap_id = @id", new { id = comment.AbsoluteUri });
        var by = await rig.ScalarAsync<string?>("SELECT removed_by FROM replies WHERE ap_id = @id", new { id = comment.AbsoluteUri });
        var at = await rig.ScalarAsync<string?>("SELECT CAST(removed_at AS TEXT) FROM replies WHERE ap_id = @id", new { id = comment.AbsoluteUri });
        return (at, row, by);
    }

    [Fact]
    public async Task Lemmy_remove_note_hides_the_comment_and_undo_remove_note_brings_it_back_both_logged()
    {
        var rig = Rig;
        var (group, comment) = await CommentAsync(rig);
        using var _ = group;

        await rig.DeliverAsync(group, group.Announce(Recorded("lemmy/activities/deletion/remove_note.json", group, LemmyHosts)));
        var removed = await RemovalAsync(rig, comment);
        Assert.NotNull(removed.RemovedAt);
        Assert.Equal("bad comment", removed.Reason);
        Assert.Equal(group.Id("/u/lemmy_beta").AbsoluteUri, removed.By);
        Assert.Equal("hello", (await rig.ReplyAsync(comment))!.Content); // kept, to be restored

        await rig.DeliverAsync(group, group.Announce(Recorded("lemmy/activities/deletion/undo_remove_note.json", group, LemmyHosts)));
        Assert.Null((await RemovalAsync(rig, comment)).RemovedAt);

        var groupId = await rig.ScalarAsync<Guid>("SELECT group_id FROM threads WHERE ap_id = @id", new { id = group.Id("/post/1").AbsoluteUri });
        var log = await fixture.Server.Get<ModerationLog>().ListForGroupAsync(groupId, withModerators: true);
        Assert.Equal([ModerationActions.PostRestored, ModerationActions.PostRemoved], log.Items.Select(i => i.Action));
        Assert.Equal($"lemmy_beta@{group.Origin.Authority}", log.Items[1].ModeratorName);
        Assert.Equal("bad comment", log.Items[1].Reason);
    }

    [Fact]
    public async Task An_authors_delete_erases_and_its_undo_changes_nothing_and_strangers_cannot_remove()
    {
        var rig = Rig;
        var (group, comment) = await CommentAsync(rig);
        using var _ = group;

        // Someone on another server cannot remove a post of this group.
        var stranger = Recorded("lemmy/activities/deletion/remove_note.json", group, LemmyHosts);
        stranger["id"] = group.Id("/activities/delete/stranger").AbsoluteUri;
        stranger["actor"] = "http://127.0.0.3:9/u/troll";
        group.Serve("/comment/1", Recorded("lemmy/activities/create_or_update/create_comment.json", group, LemmyHosts)["object"]!.DeepClone());
        await rig.DeliverAsync(group, group.Announce(stranger));
        Assert.Null((await RemovalAsync(rig, comment)).RemovedAt);
        Assert.Null((await rig.ReplyAsync(comment))!.DeletedAt);

        // The author deletes their comment: erased; Undo of a deletion does not bring words back.
        var delete = Recorded("lemmy/activities/deletion/delete_page.json", group, LemmyHosts);
        delete["object"] = comment.AbsoluteUri;
        await rig.DeliverAsync(group, group.Announce(delete));
        Assert.NotNull((await rig.ReplyAsync(comment))!.DeletedAt);
        var undo = Recorded("lemmy/activities/deletion/undo_delete_page.json", group, LemmyHosts);
        undo["object"]!["object"] = comment.AbsoluteUri;
        await rig.DeliverAsync(group, group.Announce(undo));
        var after = await rig.ReplyAsync(comment);
        Assert.NotNull(after!.DeletedAt);
        Assert.Equal("", after.Content);
    }
}

public sealed class RemoteRemovalTestsOnSqlite(FederatedSqliteServer f) : RemoteRemovalTests<FederatedSqliteServer>(f);

public sealed class RemoteRemovalTestsOnPostgres(FederatedPostgresServer f) : RemoteRemovalTests<FederatedPostgresServer>(f);
