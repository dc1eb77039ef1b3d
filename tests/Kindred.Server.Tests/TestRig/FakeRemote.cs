using System.Text;
using System.Text.Json.Nodes;
using Kindred.ActivityPub.Json;
using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.TestRig;

/// <summary>
/// A remote fediverse instance on a loopback port (WireMock.Net) with one Person, "harriet", who has an RSA key
/// and signs requests to Kindred with draft-cavage like Mastodon does. Serves her actor document.
/// </summary>
public sealed class FakeRemote : IDisposable
{
    private readonly bool _withoutInbox;
    private SigningKey _key;

    public FakeRemote(string username = "harriet", string host = "127.0.0.1", bool withoutInbox = false)
    {
        _withoutInbox = withoutInbox;
        Server = LoopbackWireMock.Start(host);
        Origin = new Uri($"http://{host}:{Server.Port}");
        ActorId = new Uri(Origin, $"/users/{username}");
        Username = username;
        _key = NewKey();
        ServeActor();
    }

    public WireMockServer Server { get; }
    public Uri Origin { get; }
    public Uri ActorId { get; }
    public string Username { get; }
    public string KeyId => ActorId.AbsoluteUri + "#main-key";
    public Uri Inbox => new(ActorId.AbsoluteUri + "/inbox");

    /// <summary>A new key pair, published at once (key rotation).</summary>
    public void RotateKey()
    {
        _key.Dispose();
        _key = NewKey();
        ServeActor();
    }

    public JsonObject ActorDocument() => ActivityJson.Actor(new ActorDocument
    {
        Type = "Person",
        Id = ActorId,
        PreferredUsername = Username,
        Inbox = Inbox,
        Outbox = new Uri(ActorId.AbsoluteUri + "/outbox"),
        SharedInbox = new Uri(Origin, "/inbox"),
        PublicKeyPem = _key.ExportPublicKeyPem(),
    });

    /// <summary>harriet's public key as PEM.</summary>
    public string PublicKeyPem => _key.ExportPublicKeyPem();

    /// <summary>Serves harriet's actor document (as <paramref name="contentType"/>, changed by <paramref name="edit"/>).</summary>
    public void ServeActor(string contentType = "application/activity+json", Action<JsonObject>? edit = null)
    {
        var document = ActorDocument();
        if (_withoutInbox)
        {
            document.Remove("inbox");
        }

        edit?.Invoke(document);
        Server.Given(Request.Create().WithPath(ActorId.AbsolutePath).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", contentType).WithBody(JsonOutput.Serialize(document)));
        Server.Given(Request.Create().WithPath(Inbox.AbsolutePath).UsingPost()).RespondWith(Response.Create().WithStatusCode(202));
    }

    /// <summary>Serves <paramref name="document"/> at <paramref name="path"/> on this origin.</summary>
    public void Serve(string path, JsonObject document, string contentType = "application/activity+json") =>
        Server.Given(Request.Create().WithPath(path).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", contentType).WithBody(JsonOutput.Serialize(document)));

    /// <summary>harriet's account is deleted: her actor URL answers 410 Gone from now on.</summary>
    public void ServeGone() =>
        Server.Given(Request.Create().WithPath(ActorId.AbsolutePath).UsingGet()).RespondWith(Response.Create().WithStatusCode(410));

    public JsonObject Follow(Uri target, string? id = null) =>
        ActivityJson.Follow(new Uri(id ?? $"{Origin}activities/{Guid.NewGuid():N}"), ActorId, target);

    /// <summary>
    /// POSTs <paramref name="body"/> to <paramref name="url"/> signed with harriet's key (draft-cavage, or RFC 9421 when
    /// <paramref name="rfc9421"/>). With <paramref name="signedFor"/> the signature (and the Host header sent) is for that
    /// URL instead: a delivery made to another server, replayed here.
    /// </summary>
    public Task<HttpResponseMessage> PostSignedAsync(Uri url, string body, TimeProvider? signingTime = null, Action<HttpRequestMessage>? tamper = null,
        SigningKey? key = null, Uri? signedFor = null, bool rfc9421 = false) =>
        PostSignedAsync(url, Encoding.UTF8.GetBytes(body), signingTime, tamper, key, signedFor, rfc9421);

    /// <summary>POSTs exactly these bytes (which need not be valid UTF-8), correctly signed with harriet's key.</summary>
    public async Task<HttpResponseMessage> PostSignedAsync(Uri url, byte[] bytes, TimeProvider? signingTime = null, Action<HttpRequestMessage>? tamper = null,
        SigningKey? key = null, Uri? signedFor = null, bool rfc9421 = false)
    {
        var target = signedFor ?? url;
        var signable = SignableRequest.Create("POST", target, bytes, contentType: "application/activity+json");
        var signed = rfc9421
            ? new Rfc9421Signer(signingTime ?? TimeProvider.System).Sign(signable, key ?? _key)
            : new CavageSigner(signingTime ?? TimeProvider.System).Sign(signable, key ?? _key);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/activity+json");
        foreach (var (name, value) in signed)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (signedFor is not null)
        {
            request.Headers.Host = signedFor.IsDefaultPort ? signedFor.IdnHost : $"{signedFor.IdnHost}:{signedFor.Port}";
        }

        tamper?.Invoke(request);
        using var http = new HttpClient();
        return await http.SendAsync(request);
    }

    /// <summary>A GET signed with harriet's key (authorized fetch), asking for AS2.</summary>
    public async Task<HttpResponseMessage> GetSignedAsync(Uri url)
    {
        const string accept = "application/activity+json";
        var signable = SignableRequest.Create("GET", url, accept: accept);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        foreach (var (name, value) in new CavageSigner(TimeProvider.System).Sign(signable, _key))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var http = new HttpClient();
        return await http.SendAsync(request);
    }

    public Task<HttpResponseMessage> PostSignedAsync(Uri url, JsonObject activity, TimeProvider? signingTime = null) =>
        PostSignedAsync(url, JsonOutput.Serialize(activity), signingTime);

    private SigningKey NewKey()
    {
        var pair = KeyGeneration.GenerateRsa();
        return SigningKey.FromPkcs8(ActorId.AbsoluteUri + "#main-key", pair.Pkcs8PrivateKey);
    }

    public void Dispose()
    {
        _key.Dispose();
        Server.Stop();
        Server.Dispose();
    }
}

/// <summary>Servers that may fetch from loopback (where the fake remotes live): the SSRF guard's test opt-in.</summary>
public sealed class FederatedSqliteServer : SqliteServer
{
    protected override void Configure(Dictionary<string, string?> settings) => settings["Kindred:Federation:AllowPrivateAddresses"] = "true";
}

public sealed class FederatedPostgresServer : PostgresServer
{
    protected override void Configure(Dictionary<string, string?> settings) => settings["Kindred:Federation:AllowPrivateAddresses"] = "true";
}
