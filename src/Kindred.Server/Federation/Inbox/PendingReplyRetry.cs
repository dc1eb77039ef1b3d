using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data.Jobs;
using Kindred.Server.Features.Groups;
using Kindred.Server.Federation.Inbox.Handlers;
using Kindred.Server.Federation.RemoteGroups;

namespace Kindred.Server.Federation.Inbox;

/// <summary>
/// The job that tries a waiting reply again (<see cref="PendingReplies.Job"/>): its parent is looked up, and fetched
/// again from its origin, through the same handler as when it arrived. Still missing: the job fails and the queue
/// tries later on its backoff; after the last attempt the reply is given up and counted as dropped ('no parent').
/// </summary>
public sealed class PendingReplyRetry(PendingReplies pending, RemoteGroupStore groups, AnnouncedPostHandler handler, DroppedActivities dropped,
    ILogger<PendingReplyRetry> logger)
{
    private readonly ActivityStreamsParser _parser = new();

    public async Task RunJobAsync(Job job, CancellationToken ct)
    {
        if (!Guid.TryParse(job.Payload, out var id))
        {
            throw new PermanentJobFailureException($"Not a pending reply id: {job.Payload}");
        }

        if (await pending.FindAsync(id, ct) is not { } reply)
        {
            return; // stored or removed meanwhile
        }

        var group = await groups.FindByIdAsync(reply.GroupId, ct);
        var activity = group is null ? null : Parse(reply.Activity);
        if (group is null || activity is null)
        {
            await pending.RemoveAsync(id, ct);
            return;
        }

        var outcome = await handler.ApplyAsync(new AnnouncedActivity(group, activity, reply.Authentic == 1), AnnouncedPostHandler.Source.PendingRetry, ct);
        if (outcome != AnnouncedPostHandler.Outcome.WaitingForParent)
        {
            logger.LogInformation("Reply {Reply} that waited for {Parent}: {Outcome}", reply.ApId, reply.ParentApId, outcome);
            await pending.RemoveAsync(id, ct);
            return;
        }

        if (job.Attempts >= job.MaxAttempts)
        {
            logger.LogInformation("Reply {Reply} from {Server} given up: its parent {Parent} never arrived", reply.ApId, reply.Server, reply.ParentApId);
            await dropped.RecordAsync(group.ActorId, activity, DroppedActivities.Reasons.NoParent, ct);
            await pending.RemoveAsync(id, ct);
            return;
        }

        throw new InvalidOperationException($"The parent {reply.ParentApId} of {reply.ApId} is still missing.");
    }

    private AsActivity? Parse(string json)
    {
        try
        {
            return _parser.Parse(System.Text.Encoding.UTF8.GetBytes(json)) switch
            {
                AsActivity a => a,
                AsObject o => AnnounceUnwrapper.AsBareObject(o),
                _ => null,
            };
        }
        catch (ActivityStreamsParseException)
        {
            return null;
        }
    }
}
