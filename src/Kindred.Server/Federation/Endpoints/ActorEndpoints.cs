using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Content;
using Kindred.Server.Data;
using Kindred.Server.Federation.Inbox;
using Kindred.Server.Federation.Keys;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Endpoints;

/// <summary>
/// Actor documents by content negotiation: <c>/users/{username}</c> (Person), <c>/actor</c> (instance
/// Application, FEP-2677), and the Person's collections. With <c>Kindred:Federation:AuthorizedFetch</c> an unsigned
/// request for a Person gets only the minimal document (keys and inbox), as Mastodon's secure mode does, so peers
/// can still verify our signatures without a chicken-and-egg fetch.
/// </summary>
public static class ActorEndpoints
{
    public static IEndpointRouteBuilder MapActorEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/actor", async (HttpContext http, ActorDocuments documents) =>
            ActivityPubContent.Json(http, await documents.InstanceAsync(http.RequestAborted)));

        app.MapGet("/users/{username}", async (HttpContext http, string username, LocalActors local, ActorDocuments documents,
            RequestVerifier verifier, IOptions<FederationOptions> options) =>
        {
            // No public HTML profile yet: members are pseudonymous and profiles are not published (privacy by default).
            if (!ActivityPubContent.IsRequested(http.Request) || await local.FindPersonByNameAsync(username, http.RequestAborted) is not { } person)
            {
                return Results.NotFound();
            }

            var full = !options.Value.AuthorizedFetch || await IsSignedAsync(http, verifier);
            return ActivityPubContent.Json(http, await documents.PersonAsync(person, full, http.RequestAborted));
        });

        app.MapGet("/users/{username}/outbox", (HttpContext http, string username, LocalActors local) =>
            CollectionAsync(http, username, local, "outbox", _ => Task.FromResult(0L)));
        app.MapGet("/users/{username}/following", (HttpContext http, string username, LocalActors local) =>
            CollectionAsync(http, username, local, "following", _ => Task.FromResult(0L)));
        app.MapGet("/users/{username}/followers", (HttpContext http, string username, LocalActors local, Database db) =>
            CollectionAsync(http, username, local, "followers", async actor =>
            {
                // Only the count: who follows a member is not published.
                await using var c = await db.OpenAsync(http.RequestAborted);
                return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM remote_followers WHERE local_actor_id = @actor", new { actor = actor.AbsoluteUri });
            }));
        return app;
    }

    /// <summary>
    /// Serves the Group actor for <c>GET /groups/{slug}</c> when an AS2 document is requested. The groups feature's
    /// page handler calls this first: <c>if (ActivityPubContent.IsRequested(http.Request)) return await ActorEndpoints.ServeGroupAsync(http, slug);</c>
    /// </summary>
    public static async Task<IResult> ServeGroupAsync(HttpContext http, string slug)
    {
        var services = http.RequestServices;
        var db = services.GetRequiredService<Database>();
        var group = await GroupActor.FindBySlugAsync(db, slug, http.RequestAborted);
        if (group is null)
        {
            return Results.NotFound();
        }

        // A members-only group's name and description can say a lot about its members: the actor is served only to a
        // valid signature from an instance where the group has a member or an invited person (who must see it to join).
        var allowed = group.Visibility == "public";
        if (!allowed && group.Federation == "federated")
        {
            await using var c = await db.OpenAsync(http.RequestAborted);
            allowed = await ObjectEndpoints.FromMemberInstanceAsync(http, c, group.Id, orInvited: true);
        }

        if (!GroupActor.MayServe(group, allowed))
        {
            return Results.NotFound();
        }

        var urls = services.GetRequiredService<ActorUrls>();
        var keys = await services.GetRequiredService<ActorKeys>().GetPublicKeysAsync(urls.Group(group.Slug).AbsoluteUri, http.RequestAborted);
        var summary = group.Description is null ? null : services.GetRequiredService<SafeHtml>().FromMarkdown(group.Description).Value;
        return ActivityPubContent.Json(http, GroupActor.ToDocument(group, urls, keys, summary));
    }

    /// <summary>Who signed this GET (authorized fetch); null when it carries no valid HTTP signature.</summary>
    public static async Task<VerifiedSigner?> SignerOfAsync(HttpContext http, RequestVerifier verifier)
    {
        var signable = RequestVerifier.ToSignable(http.Request, ReadOnlyMemory<byte>.Empty);
        if (RequestVerifier.ReadKeyId(signable) is null)
        {
            return null;
        }

        var (signer, _) = await verifier.VerifyAsync(signable, http.RequestAborted);
        return signer;
    }

    /// <summary>True when the GET carries a valid HTTP signature (authorized fetch).</summary>
    public static async Task<bool> IsSignedAsync(HttpContext http, RequestVerifier verifier) => await SignerOfAsync(http, verifier) is not null;

    private static async Task<IResult> CollectionAsync(HttpContext http, string username, LocalActors local, string name, Func<Uri, Task<long>> count)
    {
        if (await local.FindPersonByNameAsync(username, http.RequestAborted) is not { } person)
        {
            return Results.NotFound();
        }

        var id = ActorUrls.Sub(person.ActorId, name);
        return ActivityPubContent.Json(http, ActivityJson.OrderedCollection(id, await count(person.ActorId)));
    }
}
