namespace Kindred.Server.Federation.Policy;

/// <summary>Registration of the federation policy (issue 13), called from <see cref="Hosting.KindredApp"/>. Nothing is loaded at start-up: the matcher is compiled on first use.</summary>
public static class PolicySetup
{
    public static IServiceCollection AddFederationPolicy(this IServiceCollection services)
    {
        services.AddSingleton<PolicyStore>();
        services.AddSingleton<FederationPolicy>();
        services.AddSingleton<Delivery.DeliveryCancellation>();
        services.AddSingleton<Suspensions>();
        services.AddSingleton<DomainBlocks>();
        services.AddSingleton<DomainAllows>();
        services.AddSingleton<ImpactPreview>();
        services.AddSingleton<BlocklistImport>();
        return services;
    }

    public static IEndpointRouteBuilder MapFederationPolicy(this IEndpointRouteBuilder app)
    {
        app.MapPolicyApi();
        app.MapPolicyPages();
        return app;
    }
}
