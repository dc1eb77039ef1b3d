using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox;

/// <summary>
/// One per node: claims stored inbox activities (<see cref="InboxStore.ClaimAsync"/>; disjoint rows across nodes on
/// PostgreSQL) and hands each to <see cref="InboxDispatcher"/>. Every activity is handled on its own: an exception
/// marks that row for a later retry (failed after <see cref="FederationOptions.InboxMaxAttempts"/>, with the error
/// text), and the loop carries on, so nothing a sender does can stop the worker or block other activities.
/// </summary>
public sealed class InboxWorker(InboxStore store, InboxDispatcher dispatcher, InboxSignal signal, IOptions<FederationOptions> options, TimeProvider time, ILogger<InboxWorker> logger)
    : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);
    private const int Batch = 50;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var rows = await store.ClaimAsync(Batch, stoppingToken);
                var done = 0;
                var handled = new List<Guid>(rows.Count);
                try
                {
                    foreach (var row in rows)
                    {
                        if (await ProcessAsync(row, stoppingToken))
                        {
                            handled.Add(row.Id);
                        }

                        done++;
                    }
                }
                finally
                {
                    // One commit marks the batch done. Should the node die before it, the rows are handled again after
                    // their lease: handlers are idempotent by activity id, so that repeats no effect.
                    await store.CompleteAsync(handled, CancellationToken.None);
                    if (done < rows.Count)
                    {
                        // Shutting down mid-batch: hand the unfinished rows back now instead of leaving them leased
                        // (after a restart they would otherwise wait out the lease before anyone handles them).
                        await store.ReleaseAsync(rows.Skip(done).Select(r => r.Id), CancellationToken.None);
                    }
                }

                if (rows.Count < Batch)
                {
                    await signal.WaitAsync(Poll, time, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database went away or similar: wait and try again rather than end the worker.
                logger.LogError(ex, "Inbox worker loop failed; retrying");
                await Task.Delay(Poll, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Handles one row; true when it succeeded (to be marked done), false when it was recorded as failed.</summary>
    private async Task<bool> ProcessAsync(InboxRow row, CancellationToken ct)
    {
        try
        {
            await dispatcher.DispatchAsync(row, ct);
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            logger.LogWarning("Inbox activity {ActivityId} ({Type}) failed on attempt {Attempt}: {Error}", row.ActivityId, row.ActivityType, row.Attempts, ex.Message);
            await store.FailAsync(row, ex.GetType().Name + ": " + ex.Message, options.Value.InboxMaxAttempts, CancellationToken.None);
            return false;
        }
    }
}
