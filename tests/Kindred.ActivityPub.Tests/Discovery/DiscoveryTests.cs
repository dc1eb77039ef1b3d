using System.Text;
using System.Xml.Linq;
using Kindred.ActivityPub.Discovery;

namespace Kindred.ActivityPub.Tests.Discovery;

public sealed class DiscoveryTests
{
    [Theory]
    [InlineData("acct:Carers@Kindred.Example", "carers", "kindred.example")]
    [InlineData("carers@kindred.example", "carers", "kindred.example")]
    [InlineData("@carers@kindred.example:8443", "carers", "kindred.example:8443")]
    [InlineData("  @ann_b.c@xn--bcher-kva.example ", "ann_b.c", "xn--bcher-kva.example")]
    [InlineData("ann@bücher.example", "ann", "xn--bcher-kva.example")]
    public void Acct_uris_parse_and_normalise(string text, string user, string host)
    {
        Assert.True(AcctUri.TryParse(text, out var acct));
        Assert.Equal((user, host), (acct.User, acct.Host));
        Assert.Equal($"acct:{user}@{host}", acct.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("carers")]
    [InlineData("@carers")]
    [InlineData("carers@")]
    [InlineData("acct:@kindred.example")]
    [InlineData("car/ers@kindred.example")]
    [InlineData("carers@kindred.example:0")]
    [InlineData("carers@kindred.example:99999")]
    [InlineData("carers@kindred.example/path")]
    [InlineData("carers@bad host")]
    public void Invalid_acct_uris_are_rejected(string text) => Assert.False(AcctUri.TryParse(text, out _));

    [Fact]
    public void Jrd_round_trips_and_finds_the_actor()
    {
        var jrd = Jrd.ForActor(AcctUri.Parse("carers@kindred.example"), new Uri("https://kindred.example/groups/carers"), new Uri("https://kindred.example/g/carers"));
        var json = Kindred.ActivityPub.Json.JsonOutput.Serialize(jrd.ToJson());
        Assert.Equal(
            "{\"subject\":\"acct:carers@kindred.example\",\"aliases\":[\"https://kindred.example/groups/carers\",\"https://kindred.example/g/carers\"],\"links\":[{\"rel\":\"self\",\"type\":\"application/activity+json\",\"href\":\"https://kindred.example/groups/carers\"},{\"rel\":\"http://webfinger.net/rel/profile-page\",\"type\":\"text/html\",\"href\":\"https://kindred.example/g/carers\"}]}",
            json);
        var parsed = Jrd.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Equal(new Uri("https://kindred.example/groups/carers"), parsed.ActorId);
        Assert.Equal(2, parsed.Links.Count);
    }

    [Fact]
    public void Remote_jrd_parsing_is_tolerant_but_needs_a_subject()
    {
        var jrd = Jrd.Parse("""{"subject":"acct:x@y.example","links":[{"rel":"http://ostatus.org/schema/1.0/subscribe","template":"https://y.example/authorize?uri={uri}"},{"rel":"self","type":"application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"","href":"https://y.example/u/x"},{"href":"no rel"}]}"""u8);
        Assert.Empty(jrd.Aliases);
        Assert.Equal(2, jrd.Links.Count);
        Assert.Equal("https://y.example/authorize?uri={uri}", jrd.Links[0].Template);
        Assert.Equal(new Uri("https://y.example/u/x"), jrd.ActorId);
        Assert.Throws<FormatException>(() => Jrd.Parse("""{"links":[]}"""u8));
        Assert.Throws<FormatException>(() => Jrd.Parse("not json"u8));

        // Text System.Text.Json parses but cannot read is "not a JRD" too, not an InvalidOperationException.
        Assert.Throws<FormatException>(() => Jrd.Parse("""{"subject":"acct:\uD800@y.example"}"""u8));
        Assert.Throws<FormatException>(() => Jrd.Parse([.. "{\"subject\":\"acct:x@y.example\",\"aliases\":[\""u8, 0xFF, .. "\"]}"u8]));
        Assert.Throws<FormatException>(() => Jrd.Parse([.. "{\"subject\":\"acct:x@y.example\",\"links\":[{\"rel\":\"self\",\"href\":\""u8, 0xC0, 0xAF, .. "\"}]}"u8]));
    }

    [Fact]
    public void NodeInfo_documents_are_built()
    {
        var wellKnown = NodeInfo.WellKnown(new Uri("https://kindred.example/nodeinfo/2.1"), applicationActor: new Uri("https://kindred.example/actor"));
        Assert.Equal(
            "{\"links\":[{\"rel\":\"http://nodeinfo.diaspora.software/ns/schema/2.1\",\"href\":\"https://kindred.example/nodeinfo/2.1\"},{\"rel\":\"https://www.w3.org/ns/activitystreams#Application\",\"href\":\"https://kindred.example/actor\"}]}",
            Kindred.ActivityPub.Json.JsonOutput.Serialize(wellKnown));

        var doc = NodeInfo.Build(new NodeInfoDocument { SoftwareName = "Kindred", SoftwareVersion = "0.1.0", SoftwareRepository = new Uri("https://code.example/kindred"), TotalUsers = 3 });
        Assert.Equal("2.1", doc["version"]!.GetValue<string>());
        Assert.Equal("kindred", doc["software"]!["name"]!.GetValue<string>());
        Assert.Equal("activitypub", doc["protocols"]![0]!.GetValue<string>());
        Assert.Equal(3, doc["usage"]!["users"]!["total"]!.GetValue<long>());
        var v20 = NodeInfo.Build(new NodeInfoDocument { SoftwareName = "kindred", SoftwareVersion = "0.1.0", SoftwareRepository = new Uri("https://code.example/kindred") }, "2.0");
        Assert.Null(v20["software"]!["repository"]);
    }

    [Fact]
    public void Host_meta_is_valid_xrd_with_the_webfinger_template()
    {
        var xml = XDocument.Parse(HostMeta.BuildXrd(new Uri("https://kindred.example/anything")));
        var link = xml.Root!.Elements().Single();
        Assert.Equal("lrdd", link.Attribute("rel")!.Value);
        Assert.Equal("https://kindred.example/.well-known/webfinger?resource={uri}", link.Attribute("template")!.Value);
    }
}
