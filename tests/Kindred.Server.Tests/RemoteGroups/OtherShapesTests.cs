using System.Text.Json.Nodes;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.RemoteGroups;

/// <summary>
/// Issue 16: an object Kindred does not model, Announced by a group elsewhere, becomes a thread with what matters and a
/// link to its original instead of being dropped (the shapes themselves: Federation/ObjectShapesTests).
/// </summary>
public abstract class OtherShapesTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    [Fact]
    public async Task An_announced_Event_becomes_a_thread_with_its_time_and_place_and_is_not_counted_as_dropped()
    {
        using var group = new FakeGroupServer();
        var rig = new RemoteGroupRig(fixture.Server);
        await rig.JoinedMemberAsync(group);
        // Activity Vocabulary Example 55 ("Going-Away Party for Jim"), addressed to the group as FEP-1b12 posts are.
        var evt = new JsonObject
        {
            ["id"] = group.Id("/events/1").AbsoluteUri, ["type"] = "Event", ["attributedTo"] = group.PersonId.AbsoluteUri,
            ["name"] = "Going-Away Party for Jim", ["content"] = "<p>Come and say goodbye.</p>",
            ["startTime"] = "2014-12-31T23:00:00-08:00", ["endTime"] = "2015-01-01T06:00:00-08:00",
            ["location"] = new JsonObject { ["type"] = "Place", ["name"] = "Community hall" },
            ["to"] = new JsonArray(group.GroupId.AbsoluteUri, "https://www.w3.org/ns/activitystreams#Public"), ["audience"] = group.GroupId.AbsoluteUri,
        };
        var create = new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = group.Id("/activities/create/event-1").AbsoluteUri, ["type"] = "Create",
            ["actor"] = group.PersonId.AbsoluteUri, ["to"] = new JsonArray("https://www.w3.org/ns/activitystreams#Public"), ["object"] = evt,
        };

        await rig.DeliverAsync(group, group.Announce(create));

        var thread = await rig.ThreadAsync(group.Id("/events/1"));
        Assert.NotNull(thread);
        Assert.Equal("Going-Away Party for Jim", thread.Title);
        Assert.Contains("Event: starts 2015-01-01 07:00 UTC", thread.Content, StringComparison.Ordinal);
        Assert.Contains("Place: Community hall", thread.Content, StringComparison.Ordinal);
        Assert.Equal(0L, await rig.ScalarAsync<long>("SELECT COUNT(*) FROM dropped_activities WHERE server = @s", new { s = group.Origin.Authority }));
    }
}

public sealed class OtherShapesTestsOnSqlite(FederatedSqliteServer f) : OtherShapesTests<FederatedSqliteServer>(f);

public sealed class OtherShapesTestsOnPostgres(FederatedPostgresServer f) : OtherShapesTests<FederatedPostgresServer>(f);
