using Kindred.Server.Web;
using System.Text.Json.Nodes;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Content;
using Kindred.Server.Federation.Posts;

namespace Kindred.Server.Tests.Federation;

/// <summary>
/// How posts from other servers are shown, from recorded payloads (Fixtures/activitypub/shapes, see its SOURCES.md).
/// Where a test changes a recorded payload it says what and why, next to the change.
/// </summary>
public sealed class PostShapesTests
{
    private static readonly SafeHtml Safe = new();

    private static JsonObject Recorded(string file) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "activitypub", "shapes", file)))!.AsObject();

    private static AsObject Parse(JsonNode json) => (AsObject)new ActivityStreamsParser().Parse(json.ToJsonString());

    private static (string Title, string Content, string? Warning) Show(AsObject post)
    {
        var content = Safe.Sanitize(PostShapes.BodyHtml(post)).Value;
        return (PostShapes.Title(post, content), content, PostShapes.ContentWarning(post));
    }

    [Fact]
    public void A_Lemmy_link_post_shows_its_link_with_the_host_and_its_image_as_a_link_not_an_img()
    {
        var shown = Show(Parse(Recorded("lemmy-page-image-and-link.json")));
        Assert.Equal("Post with image and link", shown.Title);
        Assert.Contains("href=\"https://example.com/some-article\"", shown.Content, StringComparison.Ordinal);
        Assert.Contains("(example.com)", shown.Content, StringComparison.Ordinal);
        Assert.Contains("Image: <a href=\"https://enterprise.lemmy.ml/pictrs/image/eOtYb9iEiB.png\"", shown.Content, StringComparison.Ordinal);
        Assert.Contains("no description", shown.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", shown.Content, StringComparison.OrdinalIgnoreCase);
        Assert.Null(shown.Warning);
    }

    [Fact]
    public void An_Mbin_link_entry_without_a_body_shows_the_link_and_the_images_alt_text()
    {
        var post = Parse(Recorded("mbin-create-entry-with-url-and-image.json")["object"]!);
        var shown = Show(post);
        Assert.Equal("test", shown.Title);
        Assert.Contains("Link: <a href=\"https://joinmbin.org/\"", shown.Content, StringComparison.Ordinal);
        Assert.Contains("(joinmbin.org)", shown.Content, StringComparison.Ordinal);
        Assert.Contains(">kibby</a> (kbin.test)", shown.Content, StringComparison.Ordinal);
        // Mbin copies an excerpt ("test #test") into a Page's summary with sensitive: false: a preview, not a warning.
        Assert.Null(shown.Warning);
    }

    [Fact]
    public void A_Page_whose_link_is_in_url_on_another_host_shows_it_but_a_posts_own_page_is_not_a_shared_link()
    {
        // Older Lemmy (before 0.19) sent the shared link in a Page's url; changed from the recorded page: url instead of the Link attachment.
        var json = Recorded("lemmy-page.json");
        json.Remove("attachment");
        json["url"] = "https://news.example.org/a/story";
        var shown = Show(Parse(json));
        Assert.Contains("Link: <a href=\"https://news.example.org/a/story\"", shown.Content, StringComparison.Ordinal);
        Assert.Contains("(news.example.org)", shown.Content, StringComparison.Ordinal);

        // NodeBB's url is the topic's own page on its own host.
        Assert.Null(PostShapes.SharedLink(Parse(Recorded("nodebb-article.json"))));
        Assert.DoesNotContain("Link:", Show(Parse(Recorded("nodebb-article.json"))).Content, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Mastodon_Note_to_a_group_is_titled_without_the_mention_it_starts_with()
    {
        var shown = Show(Parse(Recorded("mastodon-note-to-group.json")));
        Assert.StartsWith("Variable never resetting at refresh Hi! I'm using", shown.Title, StringComparison.Ordinal);
        Assert.EndsWith("…", shown.Title, StringComparison.Ordinal);
        Assert.Null(shown.Warning);
        // The body keeps the mention; only the title drops it.
        Assert.Contains("tenforward", shown.Content, StringComparison.Ordinal);
    }

    [Fact]
    public void A_word_starting_with_at_that_mentions_nobody_stays_in_the_title()
    {
        var json = Recorded("mastodon-note-to-group.json");
        json["content"] = "<p>@home again, and the evenings are the hardest</p>";
        json.Remove("contentMap");
        Assert.StartsWith("@home again", Show(Parse(json)).Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_is_a_warning_for_Mastodon_and_Pleroma_notes_but_not_a_copied_title_or_excerpt()
    {
        // Mastodon sends a content warning as summary with sensitive: true (its documented "spoiler_text").
        var mastodon = Recorded("mastodon-note-to-group.json");
        mastodon["summary"] = "grief, loss";
        mastodon["sensitive"] = true;
        Assert.Equal("grief, loss", Show(Parse(mastodon)).Warning);

        // Pleroma puts the subject in summary and leaves sensitive null.
        var pleroma = Recorded("pleroma-note.json");
        pleroma["summary"] = "self-harm mention";
        Assert.Equal("self-harm mention", Show(Parse(pleroma)).Warning);

        // A Note whose summary repeats the beginning of its text (Friendica's abstract, WordPress's excerpt) folds nothing.
        var excerpt = Recorded("pleroma-note.json");
        excerpt["content"] = "<p>Have what you need tonight? A long post about evenings.</p>";
        excerpt["summary"] = "Have what you need tonight?…";
        excerpt["sensitive"] = false;
        Assert.Null(Show(Parse(excerpt)).Warning);

        // A sensitive post whose summary is only its excerpt is folded with a warning of our own words.
        excerpt["sensitive"] = true;
        Assert.Equal("Sensitive", Show(Parse(excerpt)).Warning);

        // WordPress copies the excerpt into an Article's summary: shown, not folded.
        Assert.Null(Show(Parse(Recorded("wordpress-article.json"))).Warning);
    }

    [Fact]
    public void Attachments_past_the_limit_or_without_a_web_address_are_said_to_be_left_out()
    {
        var json = Recorded("wordpress-article.json");
        var wordpress = Show(Parse(json));
        Assert.Contains(">A fleet of varied spacships</a> (i0.wp.com)", wordpress.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("left out", wordpress.Content, StringComparison.Ordinal);

        // Two more than the recorded four: one over the limit, one with a data: URL (changed from the recording).
        var attachments = json["attachment"]!.AsArray();
        attachments.Add(new JsonObject { ["type"] = "Image", ["url"] = "https://i0.wp.com/fifth.png", ["name"] = "fifth" });
        attachments.Add(new JsonObject { ["type"] = "Image", ["url"] = "data:image/png;base64,AAAA", ["name"] = "inline" });
        var shown = Show(Parse(json));
        Assert.Contains("2 attachments were left out (1 without a web address, 1 over the limit of 4).", shown.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("fifth", shown.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", shown.Content, StringComparison.OrdinalIgnoreCase);
    }
}
