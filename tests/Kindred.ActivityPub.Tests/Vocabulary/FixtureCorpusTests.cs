using System.Text.Json;
using Kindred.ActivityPub.Tests.Support;
using Kindred.ActivityPub.Vocabulary;

namespace Kindred.ActivityPub.Tests.Vocabulary;

/// <summary>Every recorded payload from Lemmy, Mastodon, Mbin, Pleroma, Friendica, PeerTube,
/// WordPress, NodeBB, Discourse and Fedify parses into the model with the facts we rely on.</summary>
public sealed class FixtureCorpusTests
{
    private static readonly string[] PublicForms = ["https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"];

    public static TheoryData<string> AllFixtures()
    {
        var root = Path.Combine(Fixtures.Root, "activitypub");
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories)
                     .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
                     .Where(f => !f.StartsWith("jsonld-contexts/", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            data.Add(file);
        }

        return data;
    }

    [Fact]
    public void The_corpus_is_all_there()
    {
        Assert.True(AllFixtures().Count >= 190, $"only {AllFixtures().Count} fixtures found");
    }

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void Fixture_parses_into_a_meaningful_model(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Fixtures.Root, "activitypub", file));
        var entity = new ActivityStreamsParser().Parse(bytes);
        using var doc = JsonDocument.Parse(bytes);
        var raw = doc.RootElement;

        Assert.NotEmpty(entity.Type);
        Assert.Equal(raw.GetProperty("type").ValueKind == JsonValueKind.String ? raw.GetProperty("type").GetString() : raw.GetProperty("type")[0].GetString(), entity.Type);
        Assert.Equal(JsonValueKind.Object, entity.Raw.ValueKind);

        if (raw.TryGetProperty("id", out var id) && id.GetString() is { } idText && idText != "SCRUBBED_ID")
        {
            Assert.NotNull(entity.Id);
            Assert.True(entity.Id.IsAbsoluteUri);
            Assert.Equal(idText, entity.Id.OriginalString);
        }

        switch (entity)
        {
            case AsActivity activity:
                Assert.NotNull(activity.Actor);
                Assert.StartsWith("http", activity.Actor.Scheme, StringComparison.Ordinal);
                Assert.NotNull(activity.Object);
                break;
            case AsActor actor:
                Assert.NotNull(actor.Inbox);
                Assert.False(string.IsNullOrEmpty(actor.PreferredUsername));
                break;
        }

        var addressedPublic = new[] { "to", "cc", "audience" }
            .Where(p => raw.TryGetProperty(p, out _))
            .SelectMany(p => raw.GetProperty(p).ValueKind == JsonValueKind.Array ? raw.GetProperty(p).EnumerateArray().ToArray() : [raw.GetProperty(p)])
            .Any(v => v.ValueKind == JsonValueKind.String && PublicForms.Contains(v.GetString()));
        Assert.Equal(addressedPublic, entity.IsPublic);
    }
}
