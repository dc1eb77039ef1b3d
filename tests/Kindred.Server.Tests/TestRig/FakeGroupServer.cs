using System.Text;
using System.Text.Json.Nodes;
using Kindred.ActivityPub.Json;
using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.TestRig;

/// <summary>
/// Another server's group (a Lemmy community, an Mbin magazine...) on a loopback port: WebFinger, the Group actor with
/// its key, a Person "harriet" who posts there, any object a test publishes, and signed POSTs from the group to
/// Kindred (Accept, Reject, Announce), like FEP-1b12 groups send them.
/// </summary>
public sealed class FakeGroupServer : IDisposable
{
    private readonly SigningKey _groupKey;
    private readonly SigningKey _personKey;

    private readonly TimeProvider _clock;

    /// <param name="clock">What its signatures are dated by: the Kindred server's clock when that is a fake one.</param>
    public FakeGroupServer(string name = "carers", string groupPath = "/c/carers", bool manuallyApprovesFollowers = false, TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        Server = LoopbackWireMock.Start();
        Origin = new Uri($"http://127.0.0.1:{Server.Port}");
        Name = name;
        GroupId = new Uri(Origin, groupPath);
        PersonId = new Uri(Origin, "/u/harriet");
        _groupKey = NewKey(GroupId);
        _personKey = NewKey(PersonId);
        Serve(GroupId.AbsolutePath, Actor("Group", GroupId, name, _groupKey, manuallyApprovesFollowers));
        Serve(PersonId.AbsolutePath, Actor("Person", PersonId, "harriet", _personKey, false));
        ServeWebFinger(name, GroupId);
        ServeWebFinger("harriet", PersonId);
        Server.Given(Request.Create().WithPath(new WildcardMatcher("*/inbox")).UsingPost()).RespondWith(Response.Create().WithStatusCode(202));
    }

    public WireMockServer Server { get; }
    public Uri Origin { get; }
    public string Name { get; }
    public Uri GroupId { get; }
    public Uri PersonId { get; }
    public Uri GroupInbox => new(GroupId.AbsoluteUri + "/inbox");
    public Uri SharedInbox => new(Origin, "/inbox");

    /// <summary>The address members type: name@host:port.</summary>
    public string Address => $"{Name}@{Origin.Authority}";

    public Uri Id(string path) => new(Origin, path);

    /// <summary>Publishes <paramref name="document"/> at <paramref name="path"/> as AS2.</summary>
    public void Serve(string path, JsonNode document) =>
        Server.Given(Request.Create().WithPath(path).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/activity+json").WithBody(document.ToJsonString()));

    public void ServeGone(string path) =>
        Server.Given(Request.Create().WithPath(path).UsingGet()).RespondWith(Response.Create().WithStatusCode(410));

    private readonly Guid _groupMapping = Guid.NewGuid();

    /// <summary>The group's actor as its server now describes it (replacing the earlier answer), same key.</summary>
    public void ChangeGroup(string displayName, string summaryHtml) =>
        Server.Given(Request.Create().WithPath(GroupId.AbsolutePath).UsingGet()).WithGuid(_groupMapping).AtPriority(-1)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/activity+json")
                .WithBody(GroupDocument(displayName, summaryHtml).ToJsonString()));

    /// <summary>The group's actor with <paramref name="property"/> (say <c>featured</c> or <c>outbox</c>) set to <paramref name="url"/>, same key.</summary>
    public void ChangeGroupLink(string property, Uri url)
    {
        var doc = GroupDocument("Carers together", "<p>For people <b>caring</b> for someone</p>");
        doc[property] = url.AbsoluteUri;
        Server.Given(Request.Create().WithPath(GroupId.AbsolutePath).UsingGet()).WithGuid(_groupMapping).AtPriority(-1)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/activity+json").WithBody(doc.ToJsonString()));
    }

    /// <summary>How often our server fetched <paramref name="path"/>.</summary>
    public int Fetches(string path) => Server.LogEntries.Count(e => e.RequestMessage.Method == "GET" && e.RequestMessage.Path == path);

    /// <summary>The group was removed: its actor answers 410 Gone from now on.</summary>
    public void RemoveGroup() =>
        Server.Given(Request.Create().WithPath(GroupId.AbsolutePath).UsingGet()).WithGuid(_groupMapping).AtPriority(-1)
            .RespondWith(Response.Create().WithStatusCode(410));

    /// <summary>How often our server fetched the group's actor document.</summary>
    public int GroupFetches => Server.LogEntries.Count(e => e.RequestMessage.Method == "GET" && e.RequestMessage.Path == GroupId.AbsolutePath);

    /// <summary>Update(Group) by the group itself, embedding <paramref name="group"/> as Lemmy and Mbin do.</summary>
    public JsonObject UpdateOfGroup(JsonObject group) =>
        ActivityJson.Activity("Update", Id($"/activities/update/{Guid.NewGuid():N}"), GroupId, ActivityJson.Embed(group),
            to: [new Uri("https://www.w3.org/ns/activitystreams#Public")]);

    /// <summary>The Group actor document as served first, with another name and summary (what an Update embeds).</summary>
    public JsonObject GroupDocument(string displayName, string summaryHtml)
    {
        var doc = Actor("Group", GroupId, Name, _groupKey, false);
        doc["name"] = displayName;
        doc["summary"] = summaryHtml;
        return doc;
    }

    private void ServeWebFinger(string user, Uri actor)
    {
        var jrd = new JsonObject
        {
            ["subject"] = $"acct:{user}@{Origin.Authority}",
            ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["type"] = "application/activity+json", ["href"] = actor.AbsoluteUri }),
        };
        Server.Given(Request.Create().WithPath("/.well-known/webfinger").WithParam("resource", new WildcardMatcher($"*{user}@*")).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/jrd+json").WithBody(jrd.ToJsonString()));
    }

    /// <summary>POSTs <paramref name="activity"/> to <paramref name="inbox"/> signed by the group (or harriet).</summary>
    public async Task<HttpResponseMessage> PostAsync(Uri inbox, JsonNode activity, bool asPerson = false)
    {
        var bytes = Encoding.UTF8.GetBytes(activity.ToJsonString());
        var signable = SignableRequest.Create("POST", inbox, bytes, contentType: "application/activity+json");
        using var request = new HttpRequestMessage(HttpMethod.Post, inbox) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/activity+json");
        foreach (var (name, value) in new CavageSigner(_clock).Sign(signable, asPerson ? _personKey : _groupKey))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var http = new HttpClient();
        return await http.SendAsync(request);
    }

    /// <summary>The group's Accept (or Reject) of a Follow, embedding it as Lemmy and Mbin do.</summary>
    public JsonObject Answer(string type, JsonObject follow) =>
        ActivityJson.Activity(type, Id($"/activities/{type.ToLowerInvariant()}/{Guid.NewGuid():N}"), GroupId, ActivityJson.Embed(follow), to: [new Uri((string)follow["actor"]!)]);

    /// <summary>Announce(activity) by the group, FEP-1b12.</summary>
    public JsonObject Announce(JsonNode activity) => new()
    {
        ["@context"] = "https://www.w3.org/ns/activitystreams",
        ["id"] = Id($"/activities/announce/{Guid.NewGuid():N}").AbsoluteUri,
        ["type"] = "Announce",
        ["actor"] = GroupId.AbsoluteUri,
        ["to"] = new JsonArray("https://www.w3.org/ns/activitystreams#Public"),
        ["cc"] = new JsonArray(GroupId.AbsoluteUri + "/followers"),
        ["object"] = activity is JsonObject o ? ActivityJson.Embed(o) : activity.DeepClone(),
    };

    private static JsonObject Actor(string type, Uri id, string name, SigningKey key, bool manual)
    {
        var doc = ActivityJson.Actor(new ActorDocument
        {
            Type = type,
            Id = id,
            PreferredUsername = name,
            Name = type == "Group" ? "Carers together" : "Harriet",
            Summary = type == "Group" ? "<p>For people <b>caring</b> for someone</p>" : null,
            Inbox = new Uri(id.AbsoluteUri + "/inbox"),
            Outbox = new Uri(id.AbsoluteUri + "/outbox"),
            Followers = new Uri(id.AbsoluteUri + "/followers"),
            SharedInbox = new Uri(id, "/inbox"),
            ManuallyApprovesFollowers = manual,
            PublicKeyPem = key.ExportPublicKeyPem(),
        });
        return doc;
    }

    private static SigningKey NewKey(Uri actor) => SigningKey.FromPkcs8(actor.AbsoluteUri + "#main-key", KeyGeneration.GenerateRsa().Pkcs8PrivateKey);

    public void Dispose()
    {
        _groupKey.Dispose();
        _personKey.Dispose();
        Server.Stop();
        Server.Dispose();
    }
}
