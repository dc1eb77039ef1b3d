namespace Kindred.Server.Features.Reports;

/// <summary>The reports feature's services, for Hosting's list of AddX() calls.</summary>
public static class ReportsSetup
{
    public static IServiceCollection AddKindredReports(this IServiceCollection services)
    {
        services.AddSingleton<ReportStore>();
        services.AddSingleton<ReportQueries>();
        services.AddSingleton<FileReport>();
        services.AddSingleton<ResolveReport>();
        services.AddSingleton<ReceiveFlag>();
        return services;
    }
}
