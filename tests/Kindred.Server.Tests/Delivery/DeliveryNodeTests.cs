using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Tests.TestRig;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static Kindred.Server.Tests.Delivery.DeliveryRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Delivery;

/// <summary>Deliveries across restarts, crashed workers and several nodes: each test starts its own servers.</summary>
public abstract class DeliveryNodeTests(DatabaseKind database)
{
    /// <summary>A server with test keys and fast delivery settings, on <paramref name="clock"/> when given (else the real clock).</summary>
    private async Task<KindredTestServer> StartAsync(Action<Dictionary<string, string?>>? configure = null, FakeTimeProvider? clock = null)
    {
        if (database == DatabaseKind.Postgres && await PostgresCluster.UnavailableAsync() is { } why)
        {
            Assert.Skip(why);
        }

        return await KindredTestServer.StartAsync(database, s =>
        {
            FastDelivery(s);
            configure?.Invoke(s);
        }, b => Builder(b, clock));
    }

    private static void Builder(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder, FakeTimeProvider? clock)
    {
        TestKeys(builder);
        if (clock is not null)
        {
            FakeClock.Use(builder, clock);
        }
    }

    private static Dictionary<string, string?> AnotherNode(KindredTestServer server)
    {
        var settings = new Dictionary<string, string?>(server.Settings);
        settings.Remove("Kindred:PublicUrl"); // same database, its own port
        return settings;
    }

    [Fact]
    public async Task Queued_jobs_are_delivered_after_a_restart()
    {
        using var port = LoopbackPort.Reserve(); // the instance is down while we queue
        var url = new Uri($"{port.Origin}/inbox");
        var first = await StartAsync(clock: FakeClock.StartingNow());
        var actor = ActorOf(first);
        var activities = Enumerable.Range(0, 3).Select(_ => Activity(actor)).ToList();
        foreach (var a in activities)
        {
            await EnqueueAsync(first, actor, a, new DeliveryTarget(url));
        }

        await WaitForJobAsync(first, IdOf(activities[0]), j => j.Attempts > 0, "a first attempt");
        await first.StopKeepingDataAsync();

        using var inbox = Inbox(port: port);
        inbox.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(202));
        // The restarted node's clock goes past the retry delays and the breaker's cool-down the first node set.
        var later = FakeClock.StartingNow();
        await using var second = await KindredTestServer.StartWithSettingsAsync(database, first.Settings, builder: b => Builder(b, later));
        Advance(second, later, Options(second).BreakerMaxCooldown + Options(second).MaxRetryDelay);
        foreach (var a in activities)
        {
            await WaitForStateAsync(second, IdOf(a), "delivered");
        }

        Assert.All(activities, a => Assert.Equal(1, Received(inbox, IdOf(a))));
    }

    [Fact]
    public async Task A_job_left_in_flight_by_a_crashed_worker_is_reclaimed_when_its_lease_expires()
    {
        await using var server = await StartAsync(s => s["Kindred:Federation:Delivery:Enabled"] = "false");
        using var inbox = Inbox();
        inbox.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(202));
        var actor = ActorOf(server);
        var activity = Activity(actor);
        await EnqueueAsync(server, actor, activity, new DeliveryTarget(InboxUrl(inbox)));
        await using (var c = await server.Get<Database>().OpenAsync())
        {
            await c.ExecuteAsync(
                "UPDATE delivery_jobs SET state = 'in_flight', attempts = 1, lease_owner = 'crashed-node', lease_expires_at = @Past WHERE activity_id = @Id",
                new { Past = DateTimeOffset.UtcNow.AddMinutes(-1), Id = IdOf(activity) });
        }

        var settings = AnotherNode(server);
        settings["Kindred:Federation:Delivery:Enabled"] = "true";
        await using var worker = await KindredTestServer.StartWithSettingsAsync(database, settings, builder: TestKeys);
        await WaitForStateAsync(worker, IdOf(activity), "delivered");
        Assert.Equal(1, Received(inbox, IdOf(activity)));
        Assert.Equal(2, (await JobsAsync(worker, IdOf(activity))).Single().Attempts);
    }

    [Fact]
    public async Task A_paused_instance_is_not_tried_until_an_admin_resumes_it()
    {
        var clock = FakeClock.StartingNow();
        await using var server = await StartAsync(s =>
        {
            s["Kindred:Federation:Delivery:BreakerFailureThreshold"] = "2";
            s["Kindred:Federation:Delivery:BreakerCooldown"] = "01:00:00";
            s["Kindred:Federation:Delivery:BreakerMaxCooldown"] = "01:00:00";
        }, clock);
        using var port = LoopbackPort.Reserve();
        var url = new Uri($"{port.Origin}/inbox");
        var actor = ActorOf(server);
        var activities = Enumerable.Range(0, 3).Select(_ => Activity(actor)).ToList();
        foreach (var a in activities)
        {
            await EnqueueAsync(server, actor, a, new DeliveryTarget(url));
        }

        var host = Hosts.Authority(url);
        await Eventually.UntilAsync("the breaker to open", async () => await HostStateAsync(server, host) == "open");

        // The admin's token first: the API checks a token's dates against the real clock, the server dated it by its fake one.
        var admin = await Accounts.CreateWithCliAsync(server, "admin");
        var token = await Accounts.TokenAsync(server, admin);

        using var inbox = Inbox(port: port);
        inbox.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(202));
        // The instance is back, but paused for an hour: 59 minutes on, past every retry delay, the worker has been
        // round and sent nothing.
        Advance(server, clock, TimeSpan.FromMinutes(59));
        await PassAsync(server);
        Assert.Empty(inbox.LogEntries);

        using var session = server.NewSession();
        var resumed = await session.PostJsonAsync($"/api/v1/admin/federation/deliveries/{Uri.EscapeDataString(host)}/resume", new { }, token);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, resumed.StatusCode);
        foreach (var a in activities)
        {
            await WaitForStateAsync(server, IdOf(a), "delivered");
        }

        Assert.All(activities, a => Assert.Equal(1, Received(inbox, IdOf(a))));
    }
}

public sealed class DeliveryNodeTestsOnSqlite() : DeliveryNodeTests(DatabaseKind.Sqlite);

public sealed class DeliveryNodeTestsOnPostgres() : DeliveryNodeTests(DatabaseKind.Postgres)
{
    [Fact]
    public async Task Two_nodes_on_one_database_never_send_a_job_twice()
    {
        if (await PostgresCluster.UnavailableAsync() is { } why)
        {
            Assert.Skip(why);
        }

        var inboxes = Enumerable.Range(0, 4).Select(_ => Inbox()).ToList();
        try
        {
            foreach (var inbox in inboxes)
            {
                inbox.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(202).WithDelay(TimeSpan.FromMilliseconds(20)));
            }

            await using var a = await KindredTestServer.StartAsync(DatabaseKind.Postgres, s =>
            {
                FastDelivery(s);
                s["Kindred:Federation:Delivery:MaxConcurrencyPerHost"] = "8";
            }, TestKeys);
            var settings = new Dictionary<string, string?>(a.Settings);
            settings.Remove("Kindred:PublicUrl");
            await using var b = await KindredTestServer.StartWithSettingsAsync(DatabaseKind.Postgres, settings, builder: TestKeys);

            var actor = ActorOf(a);
            var activities = Enumerable.Range(0, 60).Select(_ => Activity(actor)).ToList();
            await a.Get<Database>().InTransactionAsync(async (c, tx) =>
            {
                foreach (var activity in activities)
                {
                    await a.Get<DeliveryQueue>().EnqueueAsync(c, tx, actor, activity, inboxes.Select(i => new DeliveryTarget(InboxUrl(i))));
                }
            });
            a.Get<DeliveryQueue>().Wake();
            b.Get<DeliveryQueue>().Wake();

            foreach (var activity in activities)
            {
                await WaitForStateAsync(a, IdOf(activity), "delivered");
            }

            Assert.All(inboxes, inbox => Assert.All(activities, x => Assert.Equal(1, Received(inbox, IdOf(x)))));
            // Both nodes took part (each names its own origin in User-Agent), so the test did race them.
            var senders = inboxes.SelectMany(i => i.LogEntries).Select(e => e.RequestMessage.Headers!["User-Agent"].First()).Distinct().Count();
            Assert.Equal(2, senders);
            await using var conn = await a.Get<Database>().OpenAsync();
            var attempts = await conn.QuerySingleAsync<long>("SELECT SUM(attempts) FROM delivery_jobs");
            Assert.Equal(activities.Count * inboxes.Count, attempts);
        }
        finally
        {
            inboxes.ForEach(i => i.Dispose());
        }
    }
}
