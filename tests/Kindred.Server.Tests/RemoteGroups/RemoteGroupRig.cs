using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.RemoteGroups;

/// <summary>A Kindred server, its members, and the groups elsewhere they join: the steps the remote-group tests share.</summary>
public sealed class RemoteGroupRig(KindredTestServer server)
{
    public GroupRig Groups { get; } = new(server);
    public KindredTestServer Server => server;
    public Uri SharedInbox => new(server.BaseAddress, "/inbox");

    /// <summary>Asks to join <paramref name="group"/> by address; returns the Follow we queued for it.</summary>
    public async Task<JsonObject> AskToJoinAsync(GroupRig.Person member, FakeGroupServer group)
    {
        var json = await Groups.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{group.Address}/membership", member.Token, new { }, HttpStatusCode.Accepted);
        Assert.Equal("pending", json.GetProperty("status").GetString());
        var actor = new Uri(server.BaseAddress, $"/users/{member.Name.ToLowerInvariant()}").AbsoluteUri;
        await using var c = await server.Get<Database>().OpenAsync();
        var body = await c.QuerySingleAsync<string>(
            "SELECT body FROM delivery_jobs WHERE actor_id = @actor AND inbox_url = @inbox AND body LIKE '%\"Follow\"%' ORDER BY created_at DESC LIMIT 1",
            new { actor, inbox = group.GroupInbox.AbsoluteUri });
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>A member who has joined <paramref name="group"/>: asked, and the group accepted.</summary>
    public async Task<GroupRig.Person> JoinedMemberAsync(FakeGroupServer group)
    {
        var member = await Groups.MemberAsync();
        var follow = await AskToJoinAsync(member, group);
        await DeliverAsync(group, group.Answer("Accept", follow));
        return member;
    }

    /// <summary>POSTs an activity signed by the group to our shared inbox and waits until the worker has handled it.</summary>
    public async Task DeliverAsync(FakeGroupServer group, JsonObject activity, bool asPerson = false)
    {
        var response = await group.PostAsync(SharedInbox, activity, asPerson);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await using var c = await server.Get<Database>().OpenAsync();
        await Waiting.ForRowAsync(c, "SELECT COUNT(*) FROM inbox_activities WHERE activity_id = @id AND status = 'done'", new { id = (string)activity["id"]! });
    }

    /// <summary>
    /// POSTs an activity that concerns no one here (issue 18.11): it is answered 202 and never stored, so the worker
    /// never sees it.
    /// </summary>
    public async Task DeliverIgnoredAsync(FakeGroupServer group, JsonObject activity, bool asPerson = false)
    {
        var response = await group.PostAsync(SharedInbox, activity, asPerson);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(0L, await ScalarAsync<long>("SELECT COUNT(*) FROM inbox_activities WHERE activity_id = @id", new { id = (string)activity["id"]! }));
    }

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var c = await server.Get<Database>().OpenAsync();
        return (await c.ExecuteScalarAsync<T>(sql, args))!;
    }

    /// <summary>The thread row stored for an ActivityPub id: (title, content, remote author, origin, deleted).</summary>
    public async Task<StoredThread?> ThreadAsync(Uri apId)
    {
        await using var c = await server.Get<Database>().OpenAsync();
        return await c.QuerySingleOrDefaultAsync<StoredThread>(
            "SELECT id, title, content, content_warning, remote_author, remote_author_name, origin, reply_count, deleted_at FROM threads WHERE ap_id = @apId",
            new { apId = apId.AbsoluteUri });
    }

    public async Task<StoredReply?> ReplyAsync(Uri apId)
    {
        await using var c = await server.Get<Database>().OpenAsync();
        return await c.QuerySingleOrDefaultAsync<StoredReply>(
            "SELECT id, thread_id, in_reply_to, depth, content, remote_author, deleted_at FROM replies WHERE ap_id = @apId",
            new { apId = apId.AbsoluteUri });
    }

    /// <summary>A recorded payload of another server, with its hosts moved to <paramref name="group"/>'s origin.</summary>
    public static JsonObject Recorded(string path, FakeGroupServer group, params string[] hosts)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "recorded", path));
        foreach (var host in hosts)
        {
            text = text.Replace($"https://{host}", group.Origin.AbsoluteUri.TrimEnd('/'), StringComparison.Ordinal)
                .Replace($"http://{host}", group.Origin.AbsoluteUri.TrimEnd('/'), StringComparison.Ordinal);
        }

        return JsonNode.Parse(text)!.AsObject();
    }
}

public sealed record StoredThread
{
    public Guid Id { get; init; }
    public string Title { get; init; } = "";
    public string Content { get; init; } = "";
    public string? ContentWarning { get; init; }
    public string? RemoteAuthor { get; init; }
    public string? RemoteAuthorName { get; init; }
    public string Origin { get; init; } = "";
    public long ReplyCount { get; init; }
    public DateTimeOffset? DeletedAt { get; init; }
}

public sealed record StoredReply
{
    public Guid Id { get; init; }
    public Guid ThreadId { get; init; }
    public Guid? InReplyTo { get; init; }
    public int Depth { get; init; }
    public string Content { get; init; } = "";
    public string? RemoteAuthor { get; init; }
    public DateTimeOffset? DeletedAt { get; init; }
}
