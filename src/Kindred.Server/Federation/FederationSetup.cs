using Kindred.Server.Federation.Keys;

namespace Kindred.Server.Federation;

/// <summary>Registration of the federation services and endpoints, called from <see cref="Hosting.KindredApp"/>.</summary>
public static class FederationSetup
{
    public static IServiceCollection AddKindredFederation(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FederationOptions>().Bind(configuration.GetSection(FederationOptions.Section));
        services.AddSingleton<ActorUrls>();
        services.AddSingleton<ActorKeys>();
        return services;
    }
}
