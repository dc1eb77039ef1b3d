using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.RemoteGroups;

/// <summary>
/// One per node: every few minutes, refreshes the remote groups members here joined or asked to join whose copy is older
/// than <see cref="FederationOptions.RemoteGroupRefreshMinutes"/> (<see cref="RemoteGroupRefresher.RefreshDueAsync"/>).
/// Groups are claimed with a lease, so several nodes on one PostgreSQL never fetch the same group twice. The first pass
/// waits one period after start, so a restart of every node does not send a burst of fetches.
/// </summary>
public sealed class RemoteGroupRefreshWorker(RemoteGroupRefresher refresher, IOptions<FederationOptions> options, TimeProvider time, ILogger<RemoteGroupRefreshWorker> logger)
    : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromMinutes(5);
    private const int Batch = 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.RemoteGroupRefreshMinutes <= 0)
        {
            logger.LogInformation("Scheduled refresh of remote groups is off (Kindred:Federation:RemoteGroupRefreshMinutes=0)");
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Poll, time, stoppingToken);
                while (await refresher.RefreshDueAsync(Batch, stoppingToken) == Batch)
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database went away or similar: the next pass tries again (claimed groups wait out their lease).
                logger.LogError(ex, "Remote group refresh pass failed; trying again in {Minutes} minutes", Poll.TotalMinutes);
            }
        }
    }
}
