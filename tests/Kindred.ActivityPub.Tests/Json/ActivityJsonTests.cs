using System.Text;
using System.Text.Json.Nodes;
using Kindred.ActivityPub.Json;
using Kindred.ActivityPub.Vocabulary;

namespace Kindred.ActivityPub.Tests.Json;

public sealed class ActivityJsonTests
{
    private const string ExpectedContext =
        """["https://www.w3.org/ns/activitystreams","https://w3id.org/security/v1","https://w3id.org/security/data-integrity/v1","https://w3id.org/security/multikey/v1",{"lemmy":"https://join-lemmy.org/ns#","toot":"http://joinmastodon.org/ns#","sensitive":"as:sensitive","manuallyApprovesFollowers":"as:manuallyApprovesFollowers","Hashtag":"as:Hashtag","postingRestrictedToMods":"lemmy:postingRestrictedToMods","moderators":{"@id":"lemmy:moderators","@type":"@id"},"featured":{"@id":"toot:featured","@type":"@id"},"discoverable":"toot:discoverable","indexable":"toot:indexable","assertionMethod":{"@id":"https://w3id.org/security#assertionMethod","@type":"@id","@container":"@set"}}]""";

    private static readonly Uri Group = new("https://kindred.example/groups/carers");

    private static ActorDocument GroupDocument() => new()
    {
        Type = "Group",
        Id = Group,
        PreferredUsername = "carers",
        Name = "Carers",
        Inbox = new Uri(Group + "/inbox"),
        Outbox = new Uri(Group + "/outbox"),
        Followers = new Uri(Group + "/followers"),
        Moderators = new Uri(Group + "/moderators"),
        PostingRestrictedToMods = false,
        SharedInbox = new Uri("https://kindred.example/inbox"),
        PublicKeyPem = "-----BEGIN PUBLIC KEY-----\nX\n-----END PUBLIC KEY-----\n",
        Ed25519PublicKeyMultibase = "z6MkTest",
    };

    private static readonly ActivityStreamsParser Parser = new();

    private static AsEntity ParseBack(JsonObject o) => Parser.Parse(JsonOutput.SerializeToUtf8Bytes(o));

    [Fact]
    public void Group_actor_json_is_exact()
    {
        var json = JsonOutput.Serialize(ActivityJson.Actor(GroupDocument()));
        Assert.Equal(
            "{\"@context\":" + ExpectedContext + ",\"id\":\"https://kindred.example/groups/carers\",\"type\":\"Group\",\"preferredUsername\":\"carers\",\"name\":\"Carers\","
            + "\"inbox\":\"https://kindred.example/groups/carers/inbox\",\"outbox\":\"https://kindred.example/groups/carers/outbox\",\"followers\":\"https://kindred.example/groups/carers/followers\","
            + "\"attributedTo\":\"https://kindred.example/groups/carers/moderators\",\"moderators\":\"https://kindred.example/groups/carers/moderators\",\"postingRestrictedToMods\":false,"
            + "\"manuallyApprovesFollowers\":false,\"discoverable\":false,\"indexable\":false,\"endpoints\":{\"sharedInbox\":\"https://kindred.example/inbox\"},"
            + "\"publicKey\":{\"id\":\"https://kindred.example/groups/carers#main-key\",\"owner\":\"https://kindred.example/groups/carers\",\"publicKeyPem\":\"-----BEGIN PUBLIC KEY-----\\nX\\n-----END PUBLIC KEY-----\\n\"},"
            + "\"assertionMethod\":[{\"id\":\"https://kindred.example/groups/carers#ed25519-key\",\"type\":\"Multikey\",\"controller\":\"https://kindred.example/groups/carers\",\"publicKeyMultibase\":\"z6MkTest\"}]}",
            json);
    }

    [Fact]
    public void Follow_json_is_exact()
    {
        var follow = ActivityJson.Follow(new Uri("https://kindred.example/activities/1"), new Uri("https://kindred.example/users/ann"), new Uri("https://lemmy.example/c/care"));
        Assert.Equal(
            "{\"@context\":" + ExpectedContext + ",\"id\":\"https://kindred.example/activities/1\",\"type\":\"Follow\",\"actor\":\"https://kindred.example/users/ann\",\"object\":\"https://lemmy.example/c/care\",\"to\":[\"https://lemmy.example/c/care\"]}",
            JsonOutput.Serialize(follow));
    }

    [Fact]
    public void Group_actor_parses_back()
    {
        var actor = Assert.IsType<AsActor>(ParseBack(ActivityJson.Actor(GroupDocument())));
        Assert.True(actor.IsGroup);
        Assert.Equal(Group, actor.Id);
        Assert.Equal(new Uri(Group + "/moderators"), actor.Moderators);
        Assert.Equal("https://kindred.example/groups/carers#main-key", Assert.Single(actor.PublicKeys).Id);
        Assert.Equal("z6MkTest", Assert.Single(actor.AssertionMethods).PublicKeyMultibase);
        Assert.Equal(new Uri("https://kindred.example/inbox"), actor.SharedInbox);
        Assert.False(actor.Discoverable);
    }

    [Fact]
    public void Announce_of_create_page_parses_back_as_fep_1b12_expects()
    {
        var post = new PostDocument
        {
            Type = "Page",
            Id = new Uri("https://kindred.example/threads/7"),
            AttributedTo = new Uri("https://kindred.example/users/ann"),
            Name = "Evenings are hard",
            ContentHtml = "<p>Anyone else?</p>",
            SourceMarkdown = "Anyone else?",
            ContentWarning = "low mood",
            To = [Group, ActivityStreams.PublicCollectionUri],
            Cc = [],
            Audience = Group,
            Context = new Uri("https://kindred.example/threads/7/context"),
            Published = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero),
        };
        var create = ActivityJson.Create(new Uri("https://kindred.example/activities/2"), post);
        var announce = ActivityJson.Announce(new Uri("https://kindred.example/activities/3"), Group, create, [ActivityStreams.PublicCollectionUri], [new Uri(Group + "/followers")]);

        Assert.False(((JsonObject)announce["object"]!).ContainsKey("@context"));
        var parsed = Assert.IsType<AsActivity>(ParseBack(announce));
        Assert.Equal(Group, parsed.Actor);
        Assert.Equal([Group], parsed.Audience);
        var page = Assert.IsType<AsObject>(parsed.InnerActivity!.Object!.Embedded);
        Assert.Equal("Evenings are hard", page.Name);
        Assert.True(page.Sensitive);
        Assert.Equal("low mood", page.Summary);
        Assert.Equal("Anyone else?", page.Source?.Content);
        Assert.Equal(post.Context, page.Context);
        Assert.True(page.IsPublic);
        Assert.Equal(post.Published, page.Published);
        Assert.Equal("2025-03-01T12:00:00Z", page.Raw.GetProperty("published").GetString());
    }

    [Fact]
    public void Members_only_post_is_not_public_and_page_requires_a_title()
    {
        var note = ActivityJson.Post(new PostDocument
        {
            Type = "Note", Id = new Uri("https://kindred.example/replies/1"), AttributedTo = new Uri("https://kindred.example/users/ann"),
            ContentHtml = "<p>hi</p>", To = [new Uri(Group + "/followers")], InReplyTo = new Uri("https://kindred.example/threads/7"),
        });
        var parsed = Assert.IsType<AsObject>(ParseBack(ActivityJson.WithContext(note)));
        Assert.False(parsed.IsPublic);
        Assert.Equal(new Uri("https://kindred.example/threads/7"), parsed.InReplyTo);
        Assert.Throws<ArgumentException>(() => ActivityJson.Post(new PostDocument { Type = "Page", Id = Group, AttributedTo = Group, ContentHtml = "x" }));
    }

    [Fact]
    public void Undo_accept_delete_like_flag_and_collections_parse_back()
    {
        var ann = new Uri("https://kindred.example/users/ann");
        var follow = ActivityJson.Follow(new Uri("https://remote.example/f/1"), new Uri("https://remote.example/u/bob"), Group);
        var accept = Assert.IsType<AsActivity>(ParseBack(ActivityJson.Accept(new Uri("https://kindred.example/a/1"), Group, follow, new Uri("https://remote.example/u/bob"))));
        Assert.Equal("Follow", accept.InnerActivity?.Type);

        var like = ActivityJson.Like(new Uri("https://kindred.example/a/2"), ann, new Uri("https://kindred.example/threads/7"), [Group], Group);
        var undo = Assert.IsType<AsActivity>(ParseBack(ActivityJson.Undo(new Uri("https://kindred.example/a/3"), ann, like, [Group])));
        Assert.Equal("Like", undo.InnerActivity?.Type);

        var delete = Assert.IsType<AsActivity>(ParseBack(ActivityJson.Delete(new Uri("https://kindred.example/a/4"), ann, new Uri("https://kindred.example/threads/7"), [ActivityStreams.PublicCollectionUri])));
        Assert.Equal("Tombstone", delete.Object?.Embedded?.Type);

        var flag = Assert.IsType<AsActivity>(ParseBack(ActivityJson.Flag(new Uri("https://kindred.example/a/5"), ann, [new Uri("https://remote.example/u/bob"), new Uri("https://remote.example/n/1")], new Uri("https://remote.example/u/bob"), "spam")));
        Assert.Equal(2, flag.Objects.Count);

        var page = Assert.IsType<AsCollection>(ParseBack(ActivityJson.OrderedCollectionPage(new Uri(Group + "/outbox?page=1"), new Uri(Group + "/outbox"), [ActivityJson.Ref(new Uri("https://kindred.example/a/1"))], totalItems: 1)));
        Assert.Equal(1, page.TotalItems);
        Assert.Single(page.Items);
        var collection = Assert.IsType<AsCollection>(ParseBack(ActivityJson.OrderedCollection(new Uri(Group + "/followers"), 42, first: new Uri(Group + "/followers?page=1"))));
        Assert.Equal(42, collection.TotalItems);
    }
}
