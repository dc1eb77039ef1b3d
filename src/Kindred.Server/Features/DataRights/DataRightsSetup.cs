using Kindred.Server.Data.Jobs;

namespace Kindred.Server.Features.DataRights;

/// <summary>Data rights (issue 14): the services, jobs and routes of export (and, later, erasure).</summary>
public static class DataRightsSetup
{
    public static IServiceCollection AddKindredDataRights(this IServiceCollection services)
    {
        services.AddSingleton<ExportArchive>();
        services.AddSingleton<AccountExports>();
        services.AddSingleton(sp => new JobHandler(AccountExports.BuildJob, (job, ct) => sp.GetRequiredService<AccountExports>().BuildAsync(job, ct)));
        services.AddSingleton(sp => new JobHandler(AccountExports.PruneJob, (job, ct) => sp.GetRequiredService<AccountExports>().PruneAsync(job, ct),
            TimeSpan.FromHours(1)));
        services.AddSingleton<AccountErasures>();
        services.AddSingleton(sp => new JobHandler(AccountErasures.EraseJob, (job, ct) => sp.GetRequiredService<AccountErasures>().RunAsync(job, ct)));
        return services;
    }

    public static IEndpointRouteBuilder MapKindredDataRights(this IEndpointRouteBuilder app)
    {
        app.MapExportEndpoints();
        app.MapErasureEndpoints();
        app.MapErasureAdmin();
        return app;
    }
}
