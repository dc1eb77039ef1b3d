using System.Text;
using Kindred.ActivityPub.Tests.Support;
using Kindred.ActivityPub.Vocabulary;

namespace Kindred.ActivityPub.Tests.Vocabulary;

public sealed class ParserShapeTests
{
    private static readonly ActivityStreamsParser Parser = new();

    private static AsEntity Fixture(string path) => Parser.Parse(File.ReadAllBytes(Path.Combine(Fixtures.Root, "activitypub", path)));

    private static AsEntity Json(string json) => Parser.Parse(json);

    [Fact]
    public void Lemmy_announce_of_create_page_unwraps_with_audience()
    {
        var announce = Assert.IsType<AsActivity>(Fixture("lemmy/activities/community/announce_create_page.json"));
        Assert.Equal("Announce", announce.Type);
        Assert.Equal(new Uri("http://enterprise.lemmy.ml/c/main"), announce.Actor);
        Assert.True(announce.IsPublic);

        var create = announce.InnerActivity;
        Assert.NotNull(create);
        Assert.Equal("Create", create.Type);
        Assert.Equal(new Uri("http://enterprise.lemmy.ml/u/lemmy_beta"), create.Actor);

        var page = Assert.IsType<AsObject>(create.Object!.Embedded);
        Assert.Equal("Page", page.Type);
        Assert.Equal("post 4", page.Name);
        Assert.Equal(new Uri("http://enterprise.lemmy.ml/post/7"), page.Id);
        Assert.Equal([new Uri("http://enterprise.lemmy.ml/u/main")], page.Audience);
        Assert.Equal(new Uri("http://enterprise.lemmy.ml/u/lemmy_beta"), page.AttributedToActor);
        Assert.Equal(new DateTimeOffset(2021, 11, 1, 12, 11, 22, 871, TimeSpan.Zero).AddTicks(8460), page.Published);
    }

    [Fact]
    public void Lemmy_group_has_fep_1b12_fields_and_keys()
    {
        var group = Assert.IsType<AsActor>(Fixture("lemmy/objects/group.json"));
        Assert.True(group.IsGroup);
        Assert.NotNull(group.Moderators);
        Assert.NotNull(group.SharedInbox);
        Assert.NotNull(group.Followers);
        var key = Assert.Single(group.PublicKeys);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", key.PublicKeyPem, StringComparison.Ordinal);
        Assert.Equal(group.Id, key.Owner);
    }

    [Fact]
    public void Undo_follow_and_undo_like_embed_the_original_activity()
    {
        var undoFollow = Assert.IsType<AsActivity>(Fixture("mastodon/activities/undo_follow.json"));
        Assert.Equal("Follow", undoFollow.InnerActivity?.Type);
        Assert.NotNull(undoFollow.InnerActivity!.Object?.Id);

        var undoLike = Assert.IsType<AsActivity>(Fixture("lemmy/activities/voting/undo_like_note.json"));
        Assert.Equal("Like", undoLike.InnerActivity?.Type);
        Assert.Equal(undoLike.Actor, undoLike.InnerActivity!.Actor);
    }

    [Fact]
    public void Mastodon_note_reads_content_map_mentions_and_conversation()
    {
        var note = Assert.IsType<AsObject>(Fixture("mastodon/objects/note_1.json"));
        Assert.NotNull(note.Content);
        Assert.Equal(new Uri("https://mamot.fr/users/retiolus/statuses/107224244380204526"), note.InReplyTo);
        Assert.StartsWith("tag:mamot.fr", note.Conversation, StringComparison.Ordinal);
        var mention = Assert.Single(note.Tags);
        Assert.Equal(("Mention", new Uri("https://mamot.fr/users/retiolus")), (mention.Type, mention.Href));
        Assert.True(note.IsPublic); // Public in cc: unlisted
        Assert.Null(note.Summary);
    }

    [Fact]
    public void Mastodon_style_note_mentioning_a_group_exposes_the_group_as_a_mention_and_cc()
    {
        var note = Assert.IsType<AsObject>(Json("""
            {"@context":"https://www.w3.org/ns/activitystreams","id":"https://mastodon.example/users/ann/statuses/1","type":"Note",
             "attributedTo":"https://mastodon.example/users/ann","to":["https://www.w3.org/ns/activitystreams#Public"],
             "cc":["https://kindred.example/groups/carers","https://mastodon.example/users/ann/followers"],
             "contentMap":{"fr":"<p>bonjour</p>","en":"<p>hello @carers</p>"},"sensitive":true,"summary":"cw: grief",
             "tag":[{"type":"Mention","href":"https://kindred.example/groups/carers","name":"@carers@kindred.example"},
                    {"type":"Hashtag","href":"https://mastodon.example/tags/care","name":"#care"}]}
            """));
        Assert.Equal("<p>hello @carers</p>", note.Content); // English preferred when no "und"
        Assert.Contains(new Uri("https://kindred.example/groups/carers"), note.Cc);
        Assert.Contains(note.Tags, t => t.Type == "Mention" && t.Href == new Uri("https://kindred.example/groups/carers"));
        Assert.Contains(note.Tags, t => t.Type == "Hashtag" && t.Name == "#care");
        Assert.True(note.Sensitive);
        Assert.Equal("cw: grief", note.Summary);
    }

    [Theory]
    [InlineData("\"as:Public\"")]
    [InlineData("\"Public\"")]
    [InlineData("\"https://www.w3.org/ns/activitystreams#Public\"")]
    [InlineData("[\"https://a.example/followers\", \"as:Public\"]")]
    public void Every_public_form_is_normalised(string to)
    {
        var note = Json($$"""{"id":"https://a.example/n/1","type":"Note","to":{{to}}}""");
        Assert.True(note.IsPublic);
        Assert.Contains(ActivityStreams.PublicCollectionUri, note.To);
    }

    [Fact]
    public void Followers_only_is_not_public()
    {
        Assert.False(Json("""{"id":"https://a.example/n/1","type":"Note","to":"https://a.example/followers","cc":[]}""").IsPublic);
    }

    [Fact]
    public void Mbin_and_peertube_attributed_to_arrays_pick_the_person()
    {
        var video = Fixture("peertube/objects/video.json");
        Assert.Equal(2, video.AttributedTo.Count);
        Assert.Equal(new Uri("https://tilvids.com/accounts/thelinuxexperiment"), video.AttributedToActor);

        var mixed = Json("""{"id":"https://m.example/e/1","type":"Page","attributedTo":[{"type":"Group","id":"https://m.example/m/g"},"https://m.example/u/x"]}""");
        Assert.Equal(new Uri("https://m.example/m/g"), mixed.AttributedToActor); // bare ids carry no type: first wins
    }

    [Fact]
    public void Mbin_announce_of_like_keeps_audience_and_tolerates_scrubbed_ids()
    {
        var announce = Assert.IsType<AsActivity>(Fixture("mbin/outbox-snapshots/AnnounceTest__testAnnounceLikePost__1.json"));
        Assert.Null(announce.Id); // "SCRUBBED_ID" is not a URI
        Assert.Equal([new Uri("https://kbin.test/m/test")], announce.Audience);
        Assert.Equal("Like", announce.InnerActivity?.Type);
        Assert.Null(announce.Published); // "SCRUBBED_DATE"
    }

    [Fact]
    public void NodeBB_article_has_title_context_and_audience()
    {
        var article = Assert.IsType<AsObject>(Fixture("nodebb/objects/page.json"));
        Assert.Equal("Article", article.Type);
        Assert.Equal("Welcome to your NodeBB!", article.Name);
        Assert.Equal(new Uri("https://bb.devnull.land/topic/1"), article.Context);
        Assert.Equal([new Uri("https://bb.devnull.land/category/2")], article.Audience);
        Assert.NotNull(article.Source);
    }

    [Fact]
    public void Discourse_post_has_context_and_audience()
    {
        var post = Assert.IsType<AsObject>(Fixture("discourse/objects/page.json"));
        Assert.Equal("Our next meeting", post.Name);
        Assert.NotNull(post.Context);
        Assert.Single(post.Audience);
    }

    [Fact]
    public void Mitra_actor_exposes_multikeys()
    {
        var actor = Assert.IsType<AsActor>(Fixture("fedify-fixtures/wizard.casa/users/hongminhee.json"));
        Assert.Equal(2, actor.AssertionMethods.Count);
        Assert.Contains(actor.AssertionMethods, m => m.PublicKeyMultibase.StartsWith("z6Mk", StringComparison.Ordinal) && m.Controller == actor.Id);
    }

    [Fact]
    public void Url_may_be_a_string_a_link_or_an_array()
    {
        var e = Json("""{"id":"https://a.example/1","type":"Video","url":[{"type":"Link","mediaType":"video/mp4","href":"https://a.example/1.mp4"},{"type":"Link","mediaType":"text/html","href":"https://a.example/w/1"}],"icon":{"type":"Image","url":"https://a.example/i.png"}}""");
        Assert.Equal(new Uri("https://a.example/w/1"), e.Url[0]); // HTML first
        Assert.Equal(new Uri("https://a.example/i.png"), e.Icon);
    }

    [Fact]
    public void Hostile_deep_nesting_fails_cleanly()
    {
        var deep = new StringBuilder();
        deep.Append("{\"type\":\"Note\",\"x\":");
        for (var i = 0; i < 10_000; i++)
        {
            deep.Append("{\"a\":");
        }

        deep.Append('1').Append('}', 10_001);
        var ex = Assert.Throws<ActivityStreamsParseException>(() => Parser.Parse(deep.ToString()));
        Assert.Equal(ParseFailure.TooDeep, ex.Reason);

        var arrays = new string('[', 10_000) + new string(']', 10_000);
        Assert.Equal(ParseFailure.TooDeep, Assert.Throws<ActivityStreamsParseException>(() => Parser.Parse(arrays)).Reason);
    }

    [Fact]
    public void Deeply_embedded_activities_stop_at_the_embedding_limit()
    {
        var json = "\"https://a.example/n/1\"";
        for (var i = 0; i < 12; i++)
        {
            json = $$"""{"id":"https://a.example/a/{{i}}","type":"Announce","actor":"https://a.example/u","object":{{json}}}""";
        }

        var parser = new ActivityStreamsParser(new ActivityStreamsParserOptions { MaxEmbeddingDepth = 3 });
        var activity = Assert.IsType<AsActivity>(parser.Parse(json));
        var level = activity;
        for (var i = 0; i < 3; i++)
        {
            level = level.InnerActivity!;
        }

        Assert.NotNull(level.Object?.Id);
        Assert.Null(level.Object!.Embedded);
    }

    [Theory]
    [InlineData("[]", ParseFailure.NotAnObject)]
    [InlineData("{\"type\":", ParseFailure.InvalidJson)]
    [InlineData("\"just a string\"", ParseFailure.NotAnObject)]
    public void Bad_documents_fail_with_a_reason(string json, ParseFailure reason) =>
        Assert.Equal(reason, Assert.Throws<ActivityStreamsParseException>(() => Parser.Parse(json)).Reason);

    [Fact]
    public void Oversized_documents_are_refused()
    {
        var parser = new ActivityStreamsParser(new ActivityStreamsParserOptions { MaxBytes = 100 });
        var json = "{\"type\":\"Note\",\"content\":\"" + new string('x', 200) + "\"}";
        Assert.Equal(ParseFailure.TooLarge, Assert.Throws<ActivityStreamsParseException>(() => parser.Parse(json)).Reason);
    }
}
