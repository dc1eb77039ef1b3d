using Kindred.Server.Data.Jobs;

namespace Kindred.Server.Features.Mail;

public static class MailSetup
{
    public static IServiceCollection AddKindredMail(this IServiceCollection services)
    {
        services.AddSingleton<MailComposer>();
        services.AddSingleton<MailTransport>();
        services.AddSingleton<Mailer>();
        // Resolved on the first message, not at start-up (idle memory).
        services.AddSingleton(sp => new JobHandler(Mailer.JobKind, (job, ct) => sp.GetRequiredService<Mailer>().RunAsync(job, ct)));
        return services;
    }
}
