using System.Text.Json.Nodes;
using Kindred.ActivityPub.Json;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.GroupFederation;

/// <summary>Snapshots of what we send for a group's threads and replies: the exact JSON, byte for byte.</summary>
public sealed class GroupOutboxTests
{
    private const string Context =
        """["https://www.w3.org/ns/activitystreams","https://w3id.org/security/v1","https://w3id.org/security/data-integrity/v1","https://w3id.org/security/multikey/v1",{"lemmy":"https://join-lemmy.org/ns#","toot":"http://joinmastodon.org/ns#","sensitive":"as:sensitive","manuallyApprovesFollowers":"as:manuallyApprovesFollowers","Hashtag":"as:Hashtag","postingRestrictedToMods":"lemmy:postingRestrictedToMods","moderators":{"@id":"lemmy:moderators","@type":"@id"},"featured":{"@id":"toot:featured","@type":"@id"},"discoverable":"toot:discoverable","indexable":"toot:indexable","assertionMethod":{"@id":"https://w3id.org/security#assertionMethod","@type":"@id","@container":"@set"}}]""";

    private static readonly OutboxGroup Carers = new() { Id = new Uri("https://kindred.example/groups/carers") };
    private static readonly OutboxGroup Quiet = new() { Id = new Uri("https://kindred.example/groups/quiet"), MembersOnly = true };
    private static readonly DateTimeOffset At = new(2026, 11, 1, 10, 0, 0, TimeSpan.Zero);

    private static OutboxPost Thread(OutboxGroup g) => new()
    {
        Id = new Uri("https://kindred.example/threads/0193"),
        Author = new Uri("https://kindred.example/users/sam"),
        Context = new Uri("https://kindred.example/threads/0193"),
        Title = "Long nights",
        ContentHtml = "<p>How do you <em>rest</em>?</p>",
        SourceMarkdown = "How do you *rest*?",
        ContentWarning = "sleep",
        Url = new Uri("https://kindred.example/threads/0193"),
        Published = At,
    };

    private static OutboxPost Reply() => new()
    {
        Id = new Uri("https://kindred.example/replies/0194"),
        Author = new Uri("https://kindred.example/users/ann"),
        Context = new Uri("https://kindred.example/threads/0193"),
        InReplyTo = new Uri("https://kindred.example/threads/0193"),
        ContentHtml = "<p>I hear you.</p>",
        SourceMarkdown = "I hear you.",
        Published = At.AddMinutes(5),
        Updated = At.AddMinutes(7),
    };

    private const string PageJson =
        "{\"id\":\"https://kindred.example/threads/0193\",\"type\":\"Page\",\"attributedTo\":\"https://kindred.example/users/sam\",\"name\":\"Long nights\","
        + "\"content\":\"<p>How do you <em>rest</em>?</p>\",\"mediaType\":\"text/html\",\"source\":{\"content\":\"How do you *rest*?\",\"mediaType\":\"text/markdown\"},"
        + "\"summary\":\"sleep\",\"sensitive\":true,\"context\":\"https://kindred.example/threads/0193\",\"audience\":\"https://kindred.example/groups/carers\","
        + "\"to\":[\"https://kindred.example/groups/carers\"],\"cc\":[\"https://www.w3.org/ns/activitystreams#Public\",\"https://kindred.example/groups/carers/followers\"],"
        + "\"url\":\"https://kindred.example/threads/0193\",\"published\":\"2026-11-01T10:00:00Z\"}";

    private const string CreateJson =
        "{\"@context\":" + Context + ",\"id\":\"https://kindred.example/threads/0193#create\",\"type\":\"Create\",\"actor\":\"https://kindred.example/users/sam\","
        + "\"object\":" + PageJson + ","
        + "\"to\":[\"https://kindred.example/groups/carers\"],\"cc\":[\"https://www.w3.org/ns/activitystreams#Public\",\"https://kindred.example/groups/carers/followers\"],"
        + "\"audience\":\"https://kindred.example/groups/carers\",\"published\":\"2026-11-01T10:00:00Z\"}";

    [Fact]
    public void Thread_is_a_Page_created_by_its_author_to_the_group_and_Public()
    {
        Assert.Equal(CreateJson, JsonOutput.Serialize(GroupOutbox.Create(Carers, Thread(Carers))));
    }

    [Fact]
    public void The_group_announces_the_Create_embedded_to_its_followers_cc_Public()
    {
        var announce = GroupOutbox.Announce(Carers, GroupOutbox.Create(Carers, Thread(Carers)));
        var embedded = CreateJson.Replace("{\"@context\":" + Context + ",", "{", StringComparison.Ordinal);
        Assert.Equal(
            "{\"@context\":" + Context + ",\"id\":\"" + GroupOutbox.AnnounceId(Carers, "https://kindred.example/threads/0193#create") + "\",\"type\":\"Announce\","
            + "\"actor\":\"https://kindred.example/groups/carers\",\"object\":" + embedded + ","
            + "\"to\":[\"https://kindred.example/groups/carers/followers\"],\"cc\":[\"https://www.w3.org/ns/activitystreams#Public\"],"
            + "\"audience\":\"https://kindred.example/groups/carers\"}",
            JsonOutput.Serialize(announce));
        Assert.StartsWith("https://kindred.example/groups/carers#announces/", (string)announce["id"]!, StringComparison.Ordinal);
        Assert.Equal((string?)announce["id"], (string?)GroupOutbox.Announce(Carers, GroupOutbox.Create(Carers, Thread(Carers)))["id"]);
    }

    [Fact]
    public void Reply_is_a_Note_in_reply_to_the_thread_with_the_same_audience_and_context_and_an_Update_per_edit()
    {
        var update = GroupOutbox.Update(Carers, Reply());
        Assert.Equal(
            "{\"@context\":" + Context + ",\"id\":\"https://kindred.example/replies/0194#updates/1793527620000\",\"type\":\"Update\",\"actor\":\"https://kindred.example/users/ann\","
            + "\"object\":{\"id\":\"https://kindred.example/replies/0194\",\"type\":\"Note\",\"attributedTo\":\"https://kindred.example/users/ann\","
            + "\"content\":\"<p>I hear you.</p>\",\"mediaType\":\"text/html\",\"source\":{\"content\":\"I hear you.\",\"mediaType\":\"text/markdown\"},\"sensitive\":false,"
            + "\"inReplyTo\":\"https://kindred.example/threads/0193\",\"context\":\"https://kindred.example/threads/0193\",\"audience\":\"https://kindred.example/groups/carers\","
            + "\"to\":[\"https://kindred.example/groups/carers\"],\"cc\":[\"https://www.w3.org/ns/activitystreams#Public\",\"https://kindred.example/groups/carers/followers\"],"
            + "\"published\":\"2026-11-01T10:05:00Z\",\"updated\":\"2026-11-01T10:07:00Z\"},"
            + "\"to\":[\"https://kindred.example/groups/carers\"],\"cc\":[\"https://www.w3.org/ns/activitystreams#Public\",\"https://kindred.example/groups/carers/followers\"],"
            + "\"audience\":\"https://kindred.example/groups/carers\",\"published\":\"2026-11-01T10:07:00Z\"}",
            JsonOutput.Serialize(update));
    }

    [Fact]
    public void Delete_carries_a_Tombstone_by_the_author()
    {
        var delete = GroupOutbox.Delete(Carers, new Uri("https://kindred.example/replies/0194"), new Uri("https://kindred.example/users/ann"));
        Assert.Equal(
            "{\"@context\":" + Context + ",\"id\":\"https://kindred.example/replies/0194#delete\",\"type\":\"Delete\",\"actor\":\"https://kindred.example/users/ann\","
            + "\"object\":{\"id\":\"https://kindred.example/replies/0194\",\"type\":\"Tombstone\"},"
            + "\"to\":[\"https://kindred.example/groups/carers\"],\"cc\":[\"https://www.w3.org/ns/activitystreams#Public\",\"https://kindred.example/groups/carers/followers\"],"
            + "\"audience\":\"https://kindred.example/groups/carers\"}",
            JsonOutput.Serialize(delete));
    }

    [Fact]
    public void Members_only_groups_never_address_Public()
    {
        var create = GroupOutbox.Create(Quiet, Thread(Quiet));
        var all = new JsonObject[]
        {
            create, GroupOutbox.Announce(Quiet, create), GroupOutbox.Update(Quiet, Reply()), GroupOutbox.Served(Quiet, Thread(Quiet)),
            GroupOutbox.Delete(Quiet, new Uri("https://kindred.example/replies/0194"), new Uri("https://kindred.example/users/ann")),
        };
        foreach (var json in all.Select(JsonOutput.Serialize))
        {
            Assert.False(GroupOutbox.MentionsPublic(json), json);
        }

        Assert.Equal("[\"https://kindred.example/groups/quiet\"]", create["to"]!.ToJsonString());
        Assert.Equal("[\"https://kindred.example/groups/quiet/followers\"]", create["cc"]!.ToJsonString());
        var announce = GroupOutbox.Announce(Quiet, create);
        Assert.Equal("[\"https://kindred.example/groups/quiet/followers\"]", announce["to"]!.ToJsonString());
        Assert.Null(announce["cc"]);
    }

    [Fact]
    public void The_served_object_has_its_own_context()
    {
        Assert.Equal("{\"@context\":" + Context + "," + PageJson[1..], JsonOutput.Serialize(GroupOutbox.Served(Carers, Thread(Carers))));
    }
}
