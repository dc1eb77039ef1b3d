using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Moderation;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;
using Microsoft.Extensions.Time.Testing;

namespace Kindred.Server.Tests.Moderation;

/// <summary>
/// The moderation log on both databases: entries are written in the caller's transaction (a rolled-back action leaves
/// none), read newest first in pages, per group or for the whole instance, with or without who acted.
/// </summary>
public abstract class ModerationLogTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private Database Db => fixture.Server.Get<Database>();

    // Entries written in the same millisecond have no order among themselves (UUIDv7); a clock that moves a second per
    // read keeps "newest first" checkable.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow) { AutoAdvanceAmount = TimeSpan.FromSeconds(1) };

    private ModerationLog Log => new(Db, _time);

    private async Task<(Guid Group, Guid Owner, string OwnerName)> GroupAsync()
    {
        var rig = new GroupRig(fixture.Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        await using var c = await Db.OpenAsync();
        var group = await c.QuerySingleAsync<Guid>("SELECT id FROM groups WHERE slug = @slug", new { slug });
        var user = await c.QuerySingleAsync<Guid>("SELECT id FROM users WHERE username = @name", new { name = owner.Name });
        return (group, user, owner.Name);
    }

    [Fact]
    public async Task Entries_are_written_with_their_action_and_read_back_newest_first()
    {
        var (group, owner, ownerName) = await GroupAsync();
        var until = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        await Db.InTransactionAsync(async (c, tx) =>
        {
            await Log.RecordAsync(c, tx, new ModerationEntry
            {
                GroupId = group, ModeratorId = owner, Action = ModerationActions.PostRemoved,
                TargetKind = ModerationTargets.Post, TargetId = "p1", TargetLabel = "A reply", Reason = "Spam",
            });
            await Log.RecordAsync(c, tx, new ModerationEntry
            {
                GroupId = group, RemoteActor = new Uri("https://lemmy.example/u/mod"), ModeratorName = "mod@lemmy.example",
                Action = ModerationActions.MemberBanned, TargetKind = ModerationTargets.Member, TargetId = "https://b.example/u/troll",
                TargetLabel = "troll@b.example", Reason = "Abuse", ExpiresAt = until, Details = "removeContent",
            });
        });
        await Assert.ThrowsAsync<InvalidOperationException>(() => Db.InTransactionAsync(async (c, tx) =>
        {
            await Log.RecordAsync(c, tx, new ModerationEntry { GroupId = group, ModeratorId = owner, Action = "x", TargetKind = "post" });
            throw new InvalidOperationException("the action failed");
        }));

        var page = await Log.ListForGroupAsync(group, withModerators: true);
        Assert.Equal(2, page.Items.Count);
        Assert.Null(page.Next);
        var ban = page.Items[0];
        Assert.Equal((ModerationActions.MemberBanned, "member", "troll@b.example", "Abuse", "mod@lemmy.example"),
            (ban.Action, ban.TargetKind, ban.TargetLabel, ban.Reason, ban.ModeratorName));
        Assert.Equal(until, ban.ExpiresAt);
        Assert.Equal("removeContent", ban.Details);
        Assert.Equal(group, ban.GroupId);
        Assert.NotNull(ban.GroupSlug);
        var removal = page.Items[1];
        Assert.Equal((ModerationActions.PostRemoved, "p1", ownerName), (removal.Action, removal.TargetId, removal.ModeratorName));

        var members = await Log.ListForGroupAsync(group, withModerators: false);
        Assert.All(members.Items, i => Assert.Null(i.ModeratorName));
        Assert.Equal("Spam", members.Items[1].Reason);
    }

    [Fact]
    public async Task Pages_follow_the_cursor_and_the_instance_log_holds_every_group()
    {
        var (group, owner, _) = await GroupAsync();
        for (var i = 0; i < 5; i++)
        {
            await Db.InTransactionAsync((c, tx) => Log.RecordAsync(c, tx, new ModerationEntry
            {
                GroupId = group, ModeratorId = owner, Action = ModerationActions.MemberWarned, TargetKind = ModerationTargets.Member,
                TargetLabel = $"m{i}",
            }));
        }

        var accountId = Guid.NewGuid().ToString();
        await Db.InTransactionAsync((c, tx) => Log.RecordAsync(c, tx, new ModerationEntry
        {
            ModeratorId = owner, Action = ModerationActions.AccountSuspended, TargetKind = ModerationTargets.Account, TargetId = accountId,
        }));

        var first = await Log.ListForGroupAsync(group, true, size: 3);
        Assert.Equal(["m4", "m3", "m2"], first.Items.Select(i => i.TargetLabel));
        var second = await Log.ListForGroupAsync(group, true, first.Next, size: 3);
        Assert.Equal(["m1", "m0"], second.Items.Select(i => i.TargetLabel));
        Assert.Null(second.Next);

        var instance = await Log.ListForInstanceAsync(size: 100);
        Assert.Contains(instance.Items, i => i.TargetId == accountId && i.GroupId is null);
        Assert.Contains(instance.Items, i => i.GroupId == group);
        var wide = await Log.ListForInstanceAsync(instanceWideOnly: true, size: 100);
        Assert.All(wide.Items, i => Assert.Null(i.GroupId));
        Assert.Contains(wide.Items, i => i.TargetId == accountId);
        var anonymous = await Log.ListForInstanceAsync(withModerators: false, size: 100);
        Assert.All(anonymous.Items, i => Assert.Null(i.ModeratorName));
    }
}

public sealed class ModerationLogTestsOnSqlite(SqliteServer f) : ModerationLogTests<SqliteServer>(f);

public sealed class ModerationLogTestsOnPostgres(PostgresServer f) : ModerationLogTests<PostgresServer>(f);
