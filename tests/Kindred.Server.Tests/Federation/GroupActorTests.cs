using Kindred.Server.Federation;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Federation.Keys;
using Kindred.Server.Hosting;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;
using Kindred.Server.Configuration;

namespace Kindred.Server.Tests.Federation;

/// <summary>
/// The Group actor mapping (FEP-1b12). The endpoint is served by the groups feature through
/// <see cref="ActorEndpoints.ServeGroupAsync"/>; after the groups branch is merged, add an HTTP test there.
/// </summary>
public sealed class GroupActorTests
{
    private static readonly ActorUrls Urls = new(Options.Create(new KindredOptions { PublicUrl = "https://support.example" }));
    private static readonly ActorPublicKeys Keys = new("https://support.example/groups/carers", "https://support.example/groups/carers#main-key",
        "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n", "https://support.example/groups/carers#ed25519-key", "z6MkExample");

    [Fact]
    public void An_approval_group_is_a_Group_with_the_FEP_1b12_collections_and_manual_approval()
    {
        var row = new GroupActorRow { Slug = "Carers", Name = "Carers' circle", JoinPolicy = "approval" };
        var doc = GroupActor.ToDocument(row, Urls, Keys, "<p>For carers</p>");
        Assert.Equal("Group", (string?)doc["type"]);
        Assert.Equal("https://support.example/groups/carers", (string?)doc["id"]);
        Assert.Equal("carers", (string?)doc["preferredUsername"]);
        Assert.Equal("https://support.example/groups/carers/inbox", (string?)doc["inbox"]);
        Assert.Equal("https://support.example/groups/carers/outbox", (string?)doc["outbox"]);
        Assert.Equal("https://support.example/groups/carers/followers", (string?)doc["followers"]);
        Assert.Equal("https://support.example/groups/carers/featured", (string?)doc["featured"]);
        Assert.Equal("https://support.example/groups/carers/moderators", (string?)doc["attributedTo"]);
        Assert.Equal("https://support.example/groups/carers/moderators", (string?)doc["moderators"]);
        Assert.False((bool)doc["postingRestrictedToMods"]!);
        Assert.True((bool)doc["manuallyApprovesFollowers"]!);
        Assert.Equal("https://support.example/inbox", (string?)doc["endpoints"]!["sharedInbox"]);
        Assert.Equal(Keys.RsaKeyId, (string?)doc["publicKey"]!["id"]);
        Assert.Equal(Keys.Ed25519KeyId, (string?)doc["assertionMethod"]![0]!["id"]);
        Assert.False((bool)GroupActor.ToDocument(row with { JoinPolicy = "open" }, Urls, Keys, null)["manuallyApprovesFollowers"]!);
    }

    [Theory]
    [InlineData("federated", "public", false, true)]
    [InlineData("federated", "members", false, false)]
    [InlineData("federated", "members", true, true)]
    [InlineData("local", "public", true, false)]
    [InlineData("local", "members", true, false)]
    public void Local_only_groups_are_never_served_and_members_only_groups_only_to_allowed_signed_requests(string federation, string visibility, bool signedByAllowed, bool served)
    {
        var row = new GroupActorRow { Slug = "g", Name = "g", Federation = federation, Visibility = visibility };
        Assert.Equal(served, GroupActor.MayServe(row, signedByAllowed));
        Assert.Equal(federation == "federated" && visibility == "public", GroupActor.IsDiscoverable(row));
    }
}
