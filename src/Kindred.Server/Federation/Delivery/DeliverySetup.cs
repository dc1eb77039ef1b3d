using Kindred.ActivityPub.Signatures;
using Kindred.Server.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Delivery;

public static class DeliverySetup
{
    /// <summary>
    /// Registers the queue, the worker and its HTTP client. <see cref="DeliveryKeySource"/> and
    /// <see cref="DeliveryNameResolver"/> are only defaults (TryAdd): register your own first to replace them.
    /// </summary>
    public static IServiceCollection AddKindredDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>();
        services.AddOptions<DeliveryOptions>().Bind(configuration.GetSection(DeliveryOptions.Section)).ValidateOnStart();
        services.AddOptions<FederationOptions>().Bind(configuration.GetSection(FederationOptions.Section));

        services.TryAddSingleton(DeliveryKeySource.NotConfigured);
        services.TryAddSingleton(DeliveryNameResolver.Dns);
        services.TryAddSingleton(sp => new CavageSigner(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<DeliveryQueue>();
        services.AddSingleton<DeliveryJobs>();
        services.AddSingleton<DeliveryOutcomes>();
        services.AddSingleton<DeliverySender>();
        services.AddSingleton<DeliveryHealth>();

        services.AddHttpClient(DeliverySender.HttpClientName, (sp, client) =>
            {
                var o = sp.GetRequiredService<IOptions<DeliveryOptions>>().Value;
                var publicUrl = sp.GetRequiredService<IOptions<KindredOptions>>().Value.PublicUrl;
                client.Timeout = o.RequestTimeout;
                // HTTP/1.1 or higher: TLS negotiates HTTP/2 (ALPN) where the instance offers it.
                client.DefaultRequestVersion = System.Net.HttpVersion.Version11;
                client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrHigher;
                client.DefaultRequestHeaders.UserAgent.ParseAdd($"Kindred/1.0 (+{publicUrl})");
            })
            .ConfigurePrimaryHttpMessageHandler(sp => DeliverySender.CreateHandler(
                sp.GetRequiredService<IOptions<DeliveryOptions>>().Value,
                sp.GetRequiredService<IOptions<FederationOptions>>().Value.AllowPrivateAddresses,
                sp.GetRequiredService<DeliveryNameResolver>()))
            // The handler pools connections and renews them itself (PooledConnectionLifetime); rotating it would drop warm connections.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // One log line per request would drown the worker's own, meaningful ones.
            .RemoveAllLoggers();

        if (configuration.GetValue(DeliveryOptions.Section + ":Enabled", true))
        {
            services.AddHostedService<DeliveryWorker>();
        }

        return services;
    }
}
