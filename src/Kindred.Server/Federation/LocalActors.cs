using Kindred.Server.Web;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Accounts;

namespace Kindred.Server.Federation;

/// <summary>A local member as an ActivityPub Person.</summary>
public sealed record LocalPerson(Guid UserId, string Username, string? DisplayName, DateTimeOffset CreatedAt, Uri ActorId);

/// <summary>Finds local actors by name or by ActivityPub id. Only active accounts are actors.</summary>
public sealed class LocalActors(Database db, ActorUrls urls)
{
    private const string ByName = """
        SELECT id, username, display_name, created_at FROM users
        WHERE username_normalized = @name AND status = 'active'
        """;

    public async Task<LocalPerson?> FindPersonByNameAsync(string username, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<UserRow>(ByName, new { name = AccountRules.Normalize(username) });
        return row is null ? null : new LocalPerson(row.Id, row.Username, row.DisplayName, row.CreatedAt, urls.User(row.Username));
    }

    /// <summary>The local person whose actor id is <paramref name="actorId"/> (<c>{PublicUrl}/users/{name}</c>).</summary>
    public async Task<LocalPerson?> FindPersonAsync(Uri actorId, CancellationToken ct)
    {
        if (!urls.IsLocal(actorId) || !string.IsNullOrEmpty(actorId.Query) || !string.IsNullOrEmpty(actorId.Fragment))
        {
            return null;
        }

        var segments = actorId.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments is not ["users", var name])
        {
            return null;
        }

        var person = await FindPersonByNameAsync(Uri.UnescapeDataString(name), ct);
        return person is not null && person.ActorId == actorId ? person : null;
    }

    private const string Handle = "SELECT kind, owner_id FROM handles WHERE name_normalized = @name";

    /// <summary>What a name in the shared user/group namespace belongs to: ("user"|"group", owner id), or null.</summary>
    public async Task<(string Kind, Guid OwnerId)?> FindHandleAsync(string name, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<HandleRow>(Handle, new { name = AccountRules.Normalize(name) });
        return row is null ? null : (row.Kind, row.OwnerId);
    }

    private sealed record UserRow
    {
        public Guid Id { get; init; }
        public string Username { get; init; } = "";
        public string? DisplayName { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
    }

    private sealed record HandleRow
    {
        public string Kind { get; init; } = "";
        public Guid OwnerId { get; init; }
    }
}
