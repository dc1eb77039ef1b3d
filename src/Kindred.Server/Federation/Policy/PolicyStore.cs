using System.Data.Common;
using Dapper;
using Kindred.Server.Data;

namespace Kindred.Server.Federation.Policy;

/// <summary>
/// Owner of <c>federation_policy</c>, <c>domain_blocks</c>, <c>domain_allows</c> and <c>federation_policy_log</c>: the SQL
/// only, in the caller's transaction. Every write also raises the policy's version stamp and logs who did what, so all
/// nodes recompile their matcher and admins can read the history.
/// </summary>
public sealed class PolicyStore(Database db, TimeProvider time)
{
    private const string BlockColumns = """
        id, domain, severity, reject_media, reject_reports, obfuscate, public_comment, private_comment, expires_at, source, created_at, updated_at
        """;

    private const string SelectState = "SELECT mode, version FROM federation_policy WHERE id = 1";
    private const string SelectVersion = "SELECT version FROM federation_policy WHERE id = 1";
    private const string BumpVersion = "UPDATE federation_policy SET version = version + 1, updated_at = @Now WHERE id = 1";
    private const string UpdateMode = "UPDATE federation_policy SET mode = @Mode, version = version + 1, updated_at = @Now WHERE id = 1";

    public async Task<PolicyState> StateAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleAsync<PolicyState>(new CommandDefinition(SelectState, cancellationToken: ct));
    }

    public async Task<long> VersionAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition(SelectVersion, cancellationToken: ct));
    }

    public async Task SetModeAsync(DbConnection c, DbTransaction tx, string mode, string actor)
    {
        await c.ExecuteAsync(UpdateMode, new { Mode = mode, Now = time.GetUtcNow() }, tx);
        await LogAsync(c, tx, actor, "mode", null, mode);
    }

    private static readonly string ListBlocksSql = $"SELECT {BlockColumns} FROM domain_blocks ORDER BY domain";
    private static readonly string BlockById = $"SELECT {BlockColumns} FROM domain_blocks WHERE id = @Id";
    private static readonly string BlockByDomain = $"SELECT {BlockColumns} FROM domain_blocks WHERE domain = @Domain";

    public async Task<IReadOnlyList<DomainBlock>> ListBlocksAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<DomainBlock>(new CommandDefinition(ListBlocksSql, cancellationToken: ct))).ToList();
    }

    public async Task<DomainBlock?> FindBlockAsync(Guid id, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<DomainBlock>(new CommandDefinition(BlockById, new { Id = id }, cancellationToken: ct));
    }

    public static Task<DomainBlock?> FindBlockAsync(DbConnection c, DbTransaction tx, string domain) =>
        c.QuerySingleOrDefaultAsync<DomainBlock>(BlockByDomain, new { Domain = domain }, tx);

    private const string InsertBlock = """
        INSERT INTO domain_blocks (id, domain, severity, reject_media, reject_reports, obfuscate, public_comment, private_comment, expires_at, source, created_at, updated_at)
        VALUES (@Id, @Domain, @Severity, @RejectMedia, @RejectReports, @Obfuscate, @PublicComment, @PrivateComment, @ExpiresAt, @Source, @CreatedAt, @UpdatedAt)
        """;

    private const string UpdateBlockSql = """
        UPDATE domain_blocks SET severity = @Severity, reject_media = @RejectMedia, reject_reports = @RejectReports, obfuscate = @Obfuscate,
            public_comment = @PublicComment, private_comment = @PrivateComment, expires_at = @ExpiresAt, source = @Source, updated_at = @UpdatedAt
        WHERE id = @Id
        """;

    private const string DeleteBlockSql = "DELETE FROM domain_blocks WHERE id = @Id";

    public async Task AddBlockAsync(DbConnection c, DbTransaction tx, DomainBlock block, string actor)
    {
        await c.ExecuteAsync(InsertBlock, block, tx);
        await ChangedAsync(c, tx, actor, "block.add", block.Domain, Describe(block));
    }

    public async Task UpdateBlockAsync(DbConnection c, DbTransaction tx, DomainBlock block, string actor)
    {
        await c.ExecuteAsync(UpdateBlockSql, block, tx);
        await ChangedAsync(c, tx, actor, "block.update", block.Domain, Describe(block));
    }

    public async Task RemoveBlockAsync(DbConnection c, DbTransaction tx, DomainBlock block, string actor, string action = "block.remove")
    {
        await c.ExecuteAsync(DeleteBlockSql, new { block.Id }, tx);
        await ChangedAsync(c, tx, actor, action, block.Domain, Describe(block));
    }

    private const string ListAllowsSql = "SELECT id, domain, public_comment, private_comment, source, created_at FROM domain_allows ORDER BY domain";
    private const string AllowById = "SELECT id, domain, public_comment, private_comment, source, created_at FROM domain_allows WHERE id = @Id";
    private const string AllowByDomain = "SELECT id, domain, public_comment, private_comment, source, created_at FROM domain_allows WHERE domain = @Domain";

    public async Task<IReadOnlyList<DomainAllow>> ListAllowsAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<DomainAllow>(new CommandDefinition(ListAllowsSql, cancellationToken: ct))).ToList();
    }

    public async Task<DomainAllow?> FindAllowAsync(Guid id, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<DomainAllow>(new CommandDefinition(AllowById, new { Id = id }, cancellationToken: ct));
    }

    public static Task<DomainAllow?> FindAllowAsync(DbConnection c, DbTransaction tx, string domain) =>
        c.QuerySingleOrDefaultAsync<DomainAllow>(AllowByDomain, new { Domain = domain }, tx);

    private const string InsertAllow = """
        INSERT INTO domain_allows (id, domain, public_comment, private_comment, source, created_at)
        VALUES (@Id, @Domain, @PublicComment, @PrivateComment, @Source, @CreatedAt)
        """;

    private const string UpdateAllowSql = "UPDATE domain_allows SET public_comment = @PublicComment, private_comment = @PrivateComment, source = @Source WHERE id = @Id";
    private const string DeleteAllowSql = "DELETE FROM domain_allows WHERE id = @Id";

    public async Task AddAllowAsync(DbConnection c, DbTransaction tx, DomainAllow allow, string actor)
    {
        await c.ExecuteAsync(InsertAllow, allow, tx);
        await ChangedAsync(c, tx, actor, "allow.add", allow.Domain, allow.PublicComment);
    }

    public async Task UpdateAllowAsync(DbConnection c, DbTransaction tx, DomainAllow allow, string actor)
    {
        await c.ExecuteAsync(UpdateAllowSql, allow, tx);
        await ChangedAsync(c, tx, actor, "allow.update", allow.Domain, allow.PublicComment);
    }

    public async Task RemoveAllowAsync(DbConnection c, DbTransaction tx, DomainAllow allow, string actor)
    {
        await c.ExecuteAsync(DeleteAllowSql, new { allow.Id }, tx);
        await ChangedAsync(c, tx, actor, "allow.remove", allow.Domain, "");
    }

    private const string InsertLog = "INSERT INTO federation_policy_log (id, at, actor, action, domain, detail) VALUES (@Id, @At, @Actor, @Action, @Domain, @Detail)";
    private const string ListLogSql = "SELECT at, actor, action, domain, detail FROM federation_policy_log ORDER BY at DESC, id DESC LIMIT @Limit";

    public async Task<IReadOnlyList<PolicyLogEntry>> ListLogAsync(int limit, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<PolicyLogEntry>(new CommandDefinition(ListLogSql, new { Limit = limit }, cancellationToken: ct))).ToList();
    }

    private async Task ChangedAsync(DbConnection c, DbTransaction tx, string actor, string action, string? domain, string detail)
    {
        await c.ExecuteAsync(BumpVersion, new { Now = time.GetUtcNow() }, tx);
        await LogAsync(c, tx, actor, action, domain, detail);
    }

    private Task<int> LogAsync(DbConnection c, DbTransaction tx, string actor, string action, string? domain, string detail) =>
        c.ExecuteAsync(InsertLog, new { Id = Ids.New(time), At = time.GetUtcNow(), Actor = actor, Action = action, Domain = domain, Detail = detail.Length > 500 ? detail[..500] : detail }, tx);

    private static string Describe(DomainBlock b) =>
        $"{b.Severity}{(b.RejectMedia ? ", reject media" : "")}{(b.RejectReports ? ", reject reports" : "")}" +
        $"{(b.ExpiresAt is { } e ? $", until {e.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : "")}{(b.Source != "local" ? $", from {b.Source}" : "")}";
}
