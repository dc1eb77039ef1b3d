using Kindred.ActivityPub.Signatures;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Federation.Inbox;
using Kindred.Server.Federation.Inbox.Handlers;
using Kindred.Server.Federation.Keys;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Federation.Resolution;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation;

/// <summary>Registration of the federation services and endpoints, called from <see cref="Hosting.KindredApp"/>.</summary>
public static class FederationSetup
{
    public static IServiceCollection AddKindredFederation(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IValidateOptions<FederationOptions>, FederationOptionsValidator>();
        services.AddOptions<FederationOptions>().Bind(configuration.GetSection(FederationOptions.Section)).ValidateOnStart();
        services.AddSingleton<ActorUrls>();
        services.AddSingleton<LocalActors>();
        services.AddSingleton<ActorKeys>();
        // Delivery signs with the sending actor's key from the key store (registered before AddKindredDelivery's default).
        services.TryAddSingleton(sp => new Delivery.DeliveryKeySource((actorId, ct) => sp.GetRequiredService<ActorKeys>().GetSigningKeyAsync(actorId, ct)));
        services.AddSingleton<ActorDocuments>();
        services.AddSingleton<KeyRotation>();

        // Outbox: local group posts become the author's activities and the group's Announce, queued in the caller's transaction.
        services.AddSingleton<LocalPosts>();
        services.AddSingleton<GroupAnnouncer>();
        services.AddSingleton<GroupPublisher>();
        services.AddSingleton<ModerationPublisher>();
        services.AddSingleton<BanPublisher>();
        services.AddSingleton<ReactionPublisher>();
        services.AddSingleton<FollowPublisher>();
        services.AddSingleton<FlagPublisher>();
        services.AddSingleton<AccountDeletePublisher>();
        services.AddSingleton<OutboxWriter>();
        // Features record what changed; the one outbox writer turns it into activities (Features never call Federation).
        services.AddSingleton(sp => new Features.Changes.ChangeLog(sp.GetRequiredService<OutboxWriter>().RecordAsync));
        services.AddSingleton(sp => new Features.Groups.RemoteGroupDirectory(sp.GetRequiredService<RemoteGroupResolver>().ResolveAsync));

        // Signatures: what we send (draft-cavage, RSA) and what we accept (cavage and RFC 9421).
        services.AddSingleton(sp => new CavageSigner(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new HttpSignatureVerifier(sp.GetRequiredService<TimeProvider>(), new HttpSignatureVerifierOptions
        {
            MaxAge = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<FederationOptions>>().Value.SignatureMaxAgeSeconds),
        }));

        // Resolution: the only outbound GETs, through the SSRF guard on every connection.
        services.AddHttpClient(RemoteFetcher.ClientName, c =>
            {
                c.DefaultRequestHeaders.UserAgent.ParseAdd($"Kindred/{typeof(FederationSetup).Assembly.GetName().Version?.ToString(3)}");
                c.Timeout = Timeout.InfiniteTimeSpan; // RemoteFetcher applies Kindred:Federation:FetchTimeoutSeconds per fetch
            })
            .ConfigurePrimaryHttpMessageHandler(sp => CreateHandler(sp.GetRequiredService<IOptions<FederationOptions>>().Value));
        services.AddSingleton<RemoteFetcher>();
        services.AddSingleton<ActorResolver>();
        services.AddSingleton<WebFingerClient>();

        // Inbox: verify + store + 202, then one worker per node dispatching to one handler per activity.
        services.AddSingleton<RequestVerifier>();
        services.AddSingleton<InboxStore>();
        services.AddSingleton<InboxSignal>();
        services.AddSingleton<InboxLimits>();
        services.AddSingleton<InboxRelevance>();
        services.AddSingleton<InboxReceiver>();
        services.AddSingleton<InboxDispatcher>();
        services.AddSingleton<DroppedActivities>();
        // Replies whose parent could not be had wait and are tried again (a job), never silently lost.
        services.AddSingleton<PendingReplies>();
        services.AddSingleton<PendingReplyRetry>();
        services.AddSingleton(sp => new Data.Jobs.JobHandler(PendingReplies.Job, (job, ct) => sp.GetRequiredService<PendingReplyRetry>().RunJobAsync(job, ct)));
        services.AddSingleton<FollowHandler>();
        services.AddSingleton<GroupFollowHandler>();
        services.AddSingleton<Posts.RemotePosts>();
        services.AddSingleton<Groups.GroupInbox>();
        services.AddSingleton<GroupCreateHandler>();
        services.AddSingleton<GroupUpdateHandler>();
        services.AddSingleton<GroupDeleteHandler>();
        services.AddSingleton<GroupLikeHandler>();
        services.AddSingleton<FlagHandler>();
        services.AddSingleton<UndoFollowHandler>();
        services.AddSingleton<DeleteActorHandler>();
        services.AddSingleton<AcceptFollowHandler>();
        services.AddSingleton<RejectFollowHandler>();
        services.AddSingleton<AnnounceHandler>();
        services.AddSingleton<AnnouncedPostHandler>();
        services.AddSingleton<AnnouncedDeleteHandler>();
        services.AddSingleton<AnnouncedUndoDeleteHandler>();
        services.AddSingleton<AnnouncedLikeHandler>();
        services.AddSingleton<RemoteReactions>();

        // Remote groups, local members: join by address, follow state, posts the groups Announce.
        services.AddSingleton<RemoteGroupResolver>();
        services.AddSingleton<AnnounceUnwrapper>();
        services.AddSingleton<RemoteGroupPublisher>();
        services.AddSingleton<RemoteGroupRefresher>();
        services.AddSingleton<RemoteGroupUpdateHandler>();
        // A remote group's recent threads, read from its outbox when it first accepts someone here (and on demand).
        services.AddSingleton<RemoteGroupBackfill>();
        services.AddSingleton(sp => new Data.Jobs.JobHandler(Features.Groups.RemoteGroupBackfillRequests.Kind,
            (job, ct) => sp.GetRequiredService<RemoteGroupBackfill>().RunJobAsync(job, ct)));
        services.AddHostedService<InboxWorker>();
        // Stale remote groups are refreshed by a recurring job on the one job queue.
        services.AddSingleton(sp => new Data.Jobs.JobHandler(RemoteGroupRefresher.RefreshJob,
            (_, ct) => sp.GetRequiredService<RemoteGroupRefresher>().RunRefreshJobAsync(ct), RemoteGroupRefresher.RefreshEvery));
        // Retention of what other servers sent (personal data): processed inbox activities and unused cached actors.
        services.AddSingleton<FederationRetention>();
        services.AddSingleton(sp => new Data.Jobs.JobHandler(FederationRetention.Job,
            (_, ct) => sp.GetRequiredService<FederationRetention>().RunAsync(ct), FederationRetention.Every));
        return services;
    }

    public static WebApplication MapKindredFederation(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<FederationOptions>>().Value.AllowPrivateAddresses)
        {
            app.Logger.LogWarning("Kindred:Federation:AllowPrivateAddresses is on: remote servers can make this instance fetch from " +
                                  "private and loopback addresses. Use this only for tests and local trials.");
        }

        // ActivityPub and discovery are protocols documented in docs/federation.md, not part of the JSON API's OpenAPI document.
        var federation = app.MapGroup("").ExcludeFromDescription();
        federation.MapDiscoveryEndpoints();
        federation.MapActorEndpoints();
        federation.MapObjectEndpoints();
        federation.MapLikeEndpoints();
        federation.MapGroupCollections();
        federation.MapInboxEndpoints();
        return app;
    }

    /// <summary>The handler behind every federation fetch: no proxy, no automatic redirects, the SSRF guard.</summary>
    public static SocketsHttpHandler CreateHandler(FederationOptions o, Func<System.Net.IPAddress, bool>? isAllowed = null) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.All,
        ConnectTimeout = TimeSpan.FromSeconds(Math.Max(1, o.FetchTimeoutSeconds)),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        MaxResponseHeadersLength = 64,
        ConnectCallback = SsrfGuard.ConnectCallback(isAllowed ?? (o.AllowPrivateAddresses ? _ => true : a => !SsrfGuard.IsForbidden(a))),
    };
}
