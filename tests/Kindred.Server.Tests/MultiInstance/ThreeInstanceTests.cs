using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kindred.Server.Data;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.MultiInstance;

/// <summary>
/// Issue 5's "done when", across three real instances: a group on A gathers members from B and C; threads, replies,
/// edits, deletes and "I hear you" reactions travel A -> B/C and B/C -> A -> C/B (FEP-1b12); C goes down and gets everything once it is
/// back, once. Everything is asserted through each instance's API, polling (never timing) for the federation to settle.
/// </summary>
public abstract class ThreeInstanceTests<T>(T fixture) : IClassFixture<T> where T : ThreeInstances
{
    private Instance A => new(fixture.A);
    private Instance B => new(fixture.B);
    private Instance C => new(fixture.C);

    private sealed record Group(string Slug, string Address, GroupRig.Person Owner, GroupRig.Person OnA, GroupRig.Person OnB, GroupRig.Person OnC);

    /// <summary>A public, open group on A (federated by the instance default) with a member on each instance.</summary>
    private async Task<Group> GroupWithMembersEverywhereAsync()
    {
        var admin = await A.Api.AdminAsync();
        var slug = await A.Api.GroupAsync(admin);
        var created = await A.Api.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}", admin.Token);
        Assert.Equal("federated", created.GetProperty("federation").GetString());
        var address = $"{slug}@{A.Authority}";
        var onA = await A.Api.MemberAsync();
        await A.Api.JoinAsync(onA, slug);
        var onB = await JoinFromAsync(B, address);
        var onC = await JoinFromAsync(C, address);
        return new Group(slug, address, admin, onA, onB, onC);
    }

    private static async Task<GroupRig.Person> JoinFromAsync(Instance instance, string address)
    {
        var member = await instance.Api.MemberAsync();
        var asked = await instance.Api.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{address}/membership", member.Token, new { }, HttpStatusCode.Accepted);
        Assert.Equal("pending", asked.GetProperty("status").GetString());
        await Eventually.UntilAsync($"{member.Name} on {instance.Authority} joined {address}", async () =>
            (await instance.Api.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{address}/membership", member.Token)).GetProperty("status").GetString() == "joined");
        return member;
    }

    private static async Task<List<JsonElement>> ThreadsAsync(Instance instance, GroupRig.Person person, string group)
    {
        var items = new List<JsonElement>();
        string? next = $"/api/v1/groups/{group}/threads";
        while (next is not null)
        {
            var page = await instance.Api.JsonAsync(HttpMethod.Get, next, person.Token);
            items.AddRange(page.GetProperty("items").EnumerateArray());
            next = page.GetProperty("next").GetString();
        }

        return items;
    }

    /// <summary>The id, on <paramref name="instance"/>, of the thread titled <paramref name="title"/>, once it has arrived.</summary>
    private static async Task<Guid> ThreadArrivesAsync(Instance instance, GroupRig.Person person, string group, string title)
    {
        Guid? id = null;
        await Eventually.UntilAsync($"thread '{title}' on {instance.Authority}", async () =>
        {
            id = (await ThreadsAsync(instance, person, group)).Where(t => t.GetProperty("title").GetString() == title)
                .Select(t => (Guid?)t.GetProperty("id").GetGuid()).FirstOrDefault();
            return id is not null;
        });
        return id!.Value;
    }

    private static async Task<(JsonElement Thread, List<JsonElement> Replies)> ReadAsync(Instance instance, GroupRig.Person person, Guid thread)
    {
        var json = await instance.Api.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{thread}", person.Token);
        var replies = json.GetProperty("replies").GetProperty("items").EnumerateArray().ToList();
        return (json.GetProperty("thread"), replies);
    }

    /// <summary>Who said "I hear you" to <paramref name="person"/>, from their notifications.</summary>
    private static async Task<List<string>> ReactionsAsync(Instance instance, GroupRig.Person person)
    {
        var json = await instance.Api.JsonAsync(HttpMethod.Get, "/api/v1/notifications", person.Token);
        return json.GetProperty("items").EnumerateArray().Where(n => n.GetProperty("kind").GetString() == "reaction")
            .Select(n => n.GetProperty("actor").GetString() ?? "").ToList();
    }

    private static string Text(JsonElement post) => post.GetProperty("content").GetString() ?? "";

    /// <summary>The reply on <paramref name="instance"/> whose words contain <paramref name="words"/>, once it has arrived.</summary>
    private static async Task<JsonElement> ReplyArrivesAsync(Instance instance, GroupRig.Person person, Guid thread, string words)
    {
        JsonElement? found = null;
        await Eventually.UntilAsync($"reply '{words}' on {instance.Authority}", async () =>
        {
            found = (await ReadAsync(instance, person, thread)).Replies.Where(r => Text(r).Contains(words, StringComparison.Ordinal))
                .Select(r => (JsonElement?)r).FirstOrDefault();
            return found is not null;
        });
        return found!.Value;
    }

    [Fact]
    public async Task Members_on_three_instances_see_each_others_threads_replies_edits_deletes_and_likes()
    {
        var g = await GroupWithMembersEverywhereAsync();

        // A member on A starts a thread: B and C get it through the group's Announce.
        var threadOnA = await A.Api.ThreadAsync(g.OnA, g.Slug, "Sleepless again", "Third night in a row.");
        var threadOnB = await ThreadArrivesAsync(B, g.OnB, g.Address, "Sleepless again");
        var threadOnC = await ThreadArrivesAsync(C, g.OnC, g.Address, "Sleepless again");
        Assert.Contains("Third night in a row.", Text((await ReadAsync(C, g.OnC, threadOnC)).Thread), StringComparison.Ordinal);

        // B answers: B sends its Create to the group on A, which stores it and Announces it to C.
        var replyOnB = await B.Api.ReplyAsync(g.OnB, threadOnB, "Same here, from B.");
        var fromBOnA = await ReplyArrivesAsync(A, g.OnA, threadOnA, "Same here, from B.");
        var fromBOnC = await ReplyArrivesAsync(C, g.OnC, threadOnC, "Same here, from B.");
        Assert.Equal(JsonValueKind.Null, fromBOnA.GetProperty("inReplyTo").ValueKind);

        // C answers B's reply: it nests under B's reply on A and on B.
        var replyOnC = await C.Api.ReplyAsync(g.OnC, threadOnC, "Answering B, from C.", fromBOnC.GetProperty("id").GetGuid());
        var fromCOnA = await ReplyArrivesAsync(A, g.OnA, threadOnA, "Answering B, from C.");
        var fromCOnB = await ReplyArrivesAsync(B, g.OnB, threadOnB, "Answering B, from C.");
        Assert.Equal(fromBOnA.GetProperty("id").GetGuid(), fromCOnA.GetProperty("inReplyTo").GetGuid());
        Assert.Equal(replyOnB, fromCOnB.GetProperty("inReplyTo").GetGuid());
        Assert.Equal(1, fromCOnB.GetProperty("depth").GetInt32());

        // Edits show everywhere: the thread's author on A, the reply's author on C.
        Assert.Equal(HttpStatusCode.OK, (await A.Api.SendAsync(HttpMethod.Patch, $"/api/v1/posts/{threadOnA}", g.OnA.Token,
            new { title = "Sleepless, still", content = "Fourth night now." })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await C.Api.SendAsync(HttpMethod.Patch, $"/api/v1/posts/{replyOnC}", g.OnC.Token,
            new { content = "Answering B, edited on C." })).StatusCode);
        foreach (var (instance, person, thread) in new[] { (B, g.OnB, threadOnB), (C, g.OnC, threadOnC) })
        {
            await Eventually.UntilAsync($"the thread's edit on {instance.Authority}", async () =>
            {
                var t = (await ReadAsync(instance, person, thread)).Thread;
                return t.GetProperty("title").GetString() == "Sleepless, still" && Text(t).Contains("Fourth night now.", StringComparison.Ordinal);
            });
        }

        await ReplyArrivesAsync(A, g.OnA, threadOnA, "Answering B, edited on C.");
        await ReplyArrivesAsync(B, g.OnB, threadOnB, "Answering B, edited on C.");

        // "I hear you" across instances. B's member says it to A's thread: B sends the member's Like to the group on A,
        // whose author is told, by name, and alone sees the number.
        Assert.Equal(HttpStatusCode.OK, (await B.Api.SendAsync(HttpMethod.Put, $"/api/v1/posts/{threadOnB}/reaction", g.OnB.Token)).StatusCode);
        await Eventually.UntilAsync("A's author told that B's member heard them", async () =>
            (await ReactionsAsync(A, g.OnA)).Any(n => n.StartsWith(g.OnB.Name + "@", StringComparison.OrdinalIgnoreCase)));
        Assert.Equal("1 person said they hear you", (await g.OnA.Web.GetAsync($"/threads/{threadOnA}")).Text("article.thread .heard"));
        Assert.Null((await g.OnC.Web.GetAsync($"/threads/{threadOnC}")).Document.QuerySelector(".heard"));

        // C's member says it to B's reply: C sends the Like to the group on A (which Announces it to B) and to the
        // author's inbox on B. B's member is told once, however many ways it arrives.
        var fromBOnCId = fromBOnC.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await C.Api.SendAsync(HttpMethod.Put, $"/api/v1/posts/{fromBOnCId}/reaction", g.OnC.Token)).StatusCode);
        await Eventually.UntilAsync("B's author told that C's member heard them", async () =>
            (await ReactionsAsync(B, g.OnB)).Any(n => n.StartsWith(g.OnC.Name + "@", StringComparison.OrdinalIgnoreCase)));
        const string likeJobs = "SELECT state FROM delivery_jobs WHERE body LIKE '%\"type\":\"Like\"%' AND body LIKE @who";
        var who = $"%/users/{g.OnC.Name.ToLowerInvariant()}/likes/%";
        await Eventually.UntilAsync("the group on A has delivered its Announce of C's Like", async () =>
            (await A.QueryAsync<string>(likeJobs, new { who })) is { Count: > 0 } states && states.All(st => st == "delivered"));
        await Eventually.UntilAsync("nothing left in B's inbox queue", async () =>
            await B.ScalarAsync<long>("SELECT COUNT(*) FROM inbox_activities WHERE status = 'pending'") == 0);
        Assert.Single(await ReactionsAsync(B, g.OnB));
        Assert.Equal("1 person said they hear you", (await g.OnB.Web.GetAsync($"/threads/{threadOnB}")).Text($"#reply-{replyOnB} .heard"));

        // C takes it back: the notification on B goes too.
        Assert.Equal(HttpStatusCode.NoContent, (await C.Api.SendAsync(HttpMethod.Delete, $"/api/v1/posts/{fromBOnCId}/reaction", g.OnC.Token)).StatusCode);
        await Eventually.UntilAsync("B's notification gone with the reaction", async () => (await ReactionsAsync(B, g.OnB)).Count == 0);

        // B deletes its reply: a placeholder everywhere, C's answer to it still in place.
        Assert.Equal(HttpStatusCode.NoContent, (await B.Api.SendAsync(HttpMethod.Delete, $"/api/v1/posts/{replyOnB}", g.OnB.Token)).StatusCode);
        foreach (var (instance, person, thread, replyId) in new[]
                 {
                     (A, g.OnA, threadOnA, fromBOnA.GetProperty("id").GetGuid()), (C, g.OnC, threadOnC, fromBOnC.GetProperty("id").GetGuid()),
                 })
        {
            await Eventually.UntilAsync($"B's deleted reply as a placeholder on {instance.Authority}", async () =>
            {
                var r = (await ReadAsync(instance, person, thread)).Replies.Single(x => x.GetProperty("id").GetGuid() == replyId);
                return r.GetProperty("deleted").GetBoolean() && Text(r).Length == 0;
            });
            Assert.Contains((await ReadAsync(instance, person, thread)).Replies, r => Text(r).Contains("edited on C", StringComparison.Ordinal));
        }

        // The thread page on C (shown only to C's members who follow the group) has C's answer and no longer B's words.
        {
            var page = await g.OnC.Web.GetAsync($"/threads/{threadOnC}");
            Assert.Equal(HttpStatusCode.OK, page.Status);
            Assert.Contains("Answering B, edited on C.", page.Document.Body!.TextContent, StringComparison.Ordinal);
            Assert.DoesNotContain("Same here, from B.", page.Document.Body!.TextContent, StringComparison.Ordinal);
        }

        // Finally, the thread's author deletes the thread: a placeholder on B and C.
        Assert.Equal(HttpStatusCode.NoContent, (await A.Api.SendAsync(HttpMethod.Delete, $"/api/v1/posts/{threadOnA}", g.OnA.Token)).StatusCode);
        foreach (var (instance, person, thread) in new[] { (B, g.OnB, threadOnB), (C, g.OnC, threadOnC) })
        {
            await Eventually.UntilAsync($"the deleted thread on {instance.Authority}", async () =>
            {
                var t = (await ReadAsync(instance, person, thread)).Thread;
                return t.GetProperty("deleted").GetBoolean() && Text(t).Length == 0;
            });
        }

        await NothingLeftQueuedAsync();
    }

    [Fact]
    public async Task An_instance_that_was_down_gets_everything_it_missed_once_and_retries_stop()
    {
        var g = await GroupWithMembersEverywhereAsync();
        var first = await A.Api.ThreadAsync(g.OnA, g.Slug, "Before the outage", "C sees this live.");
        var firstOnB = await ThreadArrivesAsync(B, g.OnB, g.Address, "Before the outage");
        var firstOnC = await ThreadArrivesAsync(C, g.OnC, g.Address, "Before the outage");
        var cInbox = new Uri(C.Server.BaseAddress, "/inbox").AbsoluteUri;

        await fixture.StopCAsync();
        var titles = new List<string>();
        var replies = new List<string>();
        for (var i = 1; i <= 3; i++)
        {
            titles.Add($"From A while C is down {i}");
            await A.Api.ThreadAsync(g.OnA, g.Slug, titles[^1], $"Posted on A, number {i}.");
            replies.Add($"Reply from A while C is down {i}");
            await A.Api.ReplyAsync(g.OnA, first, replies[^1]);
        }

        for (var i = 1; i <= 2; i++)
        {
            titles.Add($"From B while C is down {i}");
            await B.Api.ThreadAsync(g.OnB, g.Address, titles[^1], $"Posted on B, number {i}.");
            replies.Add($"Reply from B while C is down {i}");
            await B.Api.ReplyAsync(g.OnB, firstOnB, replies[^1]);
        }

        // A has it all, and keeps trying C: some jobs for C's inbox were attempted more than once.
        foreach (var title in titles)
        {
            await ThreadArrivesAsync(A, g.OnA, g.Slug, title);
        }

        await Eventually.UntilAsync("A retrying C while it is down", async () =>
            await A.ScalarAsync<long>("SELECT COUNT(*) FROM delivery_jobs WHERE inbox_url = @cInbox AND attempts > 1 AND state <> 'delivered'", new { cInbox }) > 0);
        await fixture.StartCAsync();

        foreach (var title in titles)
        {
            await ThreadArrivesAsync(C, g.OnC, g.Address, title);
        }

        foreach (var reply in replies)
        {
            await ReplyArrivesAsync(C, g.OnC, firstOnC, reply);
        }

        await NothingLeftQueuedAsync();
        Assert.True(await A.ScalarAsync<long>("SELECT COUNT(*) FROM delivery_jobs WHERE inbox_url = @cInbox AND attempts > 1", new { cInbox }) > 0,
            "no delivery to C was retried");

        // Exactly once each on C, with distinct ids.
        var onC = await ThreadsAsync(C, g.OnC, g.Address);
        foreach (var title in titles.Append("Before the outage"))
        {
            Assert.Single(onC, t => t.GetProperty("title").GetString() == title);
        }

        Assert.Equal(onC.Count, onC.Select(t => t.GetProperty("id").GetGuid()).Distinct().Count());
        var repliesOnC = (await ReadAsync(C, g.OnC, firstOnC)).Replies;
        foreach (var reply in replies)
        {
            Assert.Single(repliesOnC, r => Text(r).Contains(reply, StringComparison.Ordinal));
        }

        Assert.Equal(repliesOnC.Count, repliesOnC.Select(r => r.GetProperty("id").GetGuid()).Distinct().Count());
        Assert.Equal(0, await C.ScalarAsync<long>("SELECT COUNT(*) FROM inbox_activities WHERE status = 'failed'"));
    }

    [Fact]
    public async Task The_same_Announce_delivered_again_or_under_another_id_stores_one_copy()
    {
        var g = await GroupWithMembersEverywhereAsync();
        var thread = await A.Api.ThreadAsync(g.OnA, g.Slug, "Said once", "Only once, please.");
        var onC = await ThreadArrivesAsync(C, g.OnC, g.Address, "Said once");
        await NothingLeftQueuedAsync();
        var cInbox = new Uri(C.Server.BaseAddress, "/inbox").AbsoluteUri;
        var objectUrl = new Uri(A.Server.BaseAddress, $"/threads/{thread}").AbsoluteUri;
        var announce = await A.ScalarAsync<string>(
            "SELECT body FROM delivery_jobs WHERE inbox_url = @cInbox AND body LIKE '%\"Announce\"%' AND body LIKE @create",
            new { cInbox, create = $"%{objectUrl}#create%" });
        Assert.NotNull(announce);

        // 1. The very same Announce sent again by A's worker (signed afresh), as after a lost response.
        var again = await A.ScalarAsync<object>("SELECT id FROM delivery_jobs WHERE inbox_url = @cInbox AND body = @announce", new { cInbox, announce });
        await using (var c = await A.Server.Get<Database>().OpenAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(c,
                "UPDATE delivery_jobs SET state = 'queued', next_attempt_at = created_at, finished_at = NULL WHERE id = @again", new { again });
        }

        A.Server.Get<DeliveryQueue>().Wake();

        // 2. The same Create announced under a new Announce id (a group that announces twice).
        var twice = JsonNode.Parse(announce)!.AsObject();
        twice["id"] = (string)twice["id"]! + "-again";
        await EnqueueAsync(A, (string)twice["actor"]!, twice.ToJsonString(), new Uri(cInbox));
        await Eventually.UntilAsync("the second Announce handled on C", async () =>
            await C.ScalarAsync<long>("SELECT COUNT(*) FROM inbox_activities WHERE activity_id = @id AND status = 'done'", new { id = (string)twice["id"]! }) == 1);
        await NothingLeftQueuedAsync();
        Assert.True(await A.ScalarAsync<long>("SELECT attempts FROM delivery_jobs WHERE id = @again", new { again }) >= 2);

        Assert.Single(await ThreadsAsync(C, g.OnC, g.Address), t => t.GetProperty("title").GetString() == "Said once");
        Assert.Equal(1, await C.ScalarAsync<long>("SELECT COUNT(*) FROM threads WHERE ap_id = @objectUrl", new { objectUrl }));
        Assert.Equal(1, await C.ScalarAsync<long>("SELECT COUNT(*) FROM inbox_activities WHERE activity_id = @id", new { id = (string)JsonNode.Parse(announce)!["id"]! }));
        Assert.Equal(onC, (await ThreadsAsync(C, g.OnC, g.Address)).Single(t => t.GetProperty("title").GetString() == "Said once").GetProperty("id").GetGuid());
    }

    /// <summary>Queues <paramref name="json"/> on <paramref name="instance"/>'s delivery queue, signed by <paramref name="actor"/>.</summary>
    private static async Task EnqueueAsync(Instance instance, string actor, string json, Uri inbox)
    {
        var queue = instance.Server.Get<DeliveryQueue>();
        await instance.Server.Get<Database>().InTransactionAsync(async (c, tx) =>
            await queue.EnqueueAsync(c, tx, actor, json, [new DeliveryTarget(inbox, null)]), CancellationToken.None);
        queue.Wake();
    }

    /// <summary>Every instance has delivered everything: nothing queued, in flight, failed or given up; no inbox activity failed.</summary>
    private async Task NothingLeftQueuedAsync()
    {
        foreach (var instance in new[] { A, B, C })
        {
            await Eventually.UntilAsync($"{instance.Authority} to finish delivering", async () =>
                await instance.ScalarAsync<long>("SELECT COUNT(*) FROM delivery_jobs WHERE state <> 'delivered'") == 0
                && await instance.ScalarAsync<long>("SELECT COUNT(*) FROM inbox_activities WHERE status <> 'done'") == 0, async () =>
            {
                var left = await instance.ScalarAsync<string?>(
                    "SELECT MAX(inbox_url || ' ' || state || ' ' || COALESCE(last_error, '')) FROM delivery_jobs WHERE state <> 'delivered'") ?? "";
                var inbox = await instance.ScalarAsync<string?>(
                    "SELECT MAX(activity_type || ' ' || status || ' ' || COALESCE(last_error, '')) FROM inbox_activities WHERE status <> 'done'") ?? "";
                return $"e.g. job: {left}; inbox: {inbox}";
            });
        }
    }
}

public sealed class ThreeInstanceTestsOnSqlite(ThreeInstancesOnSqlite f) : ThreeInstanceTests<ThreeInstancesOnSqlite>(f);

public sealed class ThreeInstanceTestsWithPostgres(ThreeInstancesWithPostgres f) : ThreeInstanceTests<ThreeInstancesWithPostgres>(f);
