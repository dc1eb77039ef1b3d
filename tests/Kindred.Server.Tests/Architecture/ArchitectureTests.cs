using System.Text.RegularExpressions;
using NetArchTest.Rules;

namespace Kindred.Server.Tests.Architecture;

/// <summary>
/// The rules of docs/adr/0003-one-owner-per-table.md, checked on every build: arrows point one way
/// (Hosting -> Federation -> Features -> Web/Theming/Content/Data/Configuration -> Kindred.ActivityPub), and every table
/// is written from exactly one folder, whoever the author is (a local member or a remote actor).
/// </summary>
public sealed class ArchitectureTests
{
    private const string Root = "Kindred.Server";
    private static readonly System.Reflection.Assembly Server = typeof(Kindred.Server.Hosting.KindredApp).Assembly;

    /// <summary>Each layer and what it must never reference (everything above it).</summary>
    public static TheoryData<string, string[]> Layers() => new()
    {
        { "Features", ["Federation", "Hosting", "Cli"] },
        { "Federation", ["Hosting", "Cli"] },
        { "Web", ["Features", "Federation", "Hosting", "Cli"] },
        { "Theming", ["Features", "Federation", "Hosting", "Cli"] },
        { "Content", ["Features", "Federation", "Hosting", "Cli"] },
        { "Data", ["Features", "Federation", "Hosting", "Cli", "Web", "Theming"] },
        { "Configuration", ["Features", "Federation", "Hosting", "Cli", "Web", "Theming", "Data"] },
        { "Diagnostics", ["Features", "Federation", "Hosting", "Cli", "Web", "Theming", "Data", "Content"] },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void Arrows_point_one_way(string layer, string[] above)
    {
        var result = Types.InAssembly(Server)
            .That().ResideInNamespace($"{Root}.{layer}")
            .ShouldNot().HaveDependencyOnAny(above.Select(a => $"{Root}.{a}").ToArray())
            .GetResult();
        Assert.True(result.IsSuccessful,
            $"{layer} must not reference {string.Join(", ", above)}; these types do: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void The_protocol_library_knows_nothing_of_the_server()
    {
        var result = Types.InAssembly(typeof(Kindred.ActivityPub.Origins).Assembly)
            .ShouldNot().HaveDependencyOnAny(Root, "Microsoft.AspNetCore", "Dapper", "Npgsql", "Microsoft.Data.Sqlite")
            .GetResult();
        Assert.True(result.IsSuccessful, $"Kindred.ActivityPub must stay protocol only: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    /// <summary>Every table and the one folder (under src/Kindred.Server) whose code may write it.</summary>
    public static readonly IReadOnlyDictionary<string, string> Owners = new Dictionary<string, string>
    {
        ["users"] = "Features/Accounts",
        ["handles"] = "Features/Accounts",
        ["declined_registrations"] = "Features/Accounts",
        ["sign_in_addresses"] = "Features/Accounts",
        ["password_resets"] = "Features/Accounts",
        ["email_changes"] = "Features/Accounts",
        ["instance_settings"] = "Features/Admin",
        ["invites"] = "Features/Admin",
        ["groups"] = "Features/Groups",
        ["group_members"] = "Features/Groups",
        ["join_requests"] = "Features/Groups",
        ["remote_members"] = "Features/Groups",
        ["remote_group_follows"] = "Features/Groups",
        ["threads"] = "Features/Threads",
        ["replies"] = "Features/Threads",
        ["post_likes"] = "Features/Reactions",
        ["notifications"] = "Features/Notifications",
        ["reports"] = "Features/Reports",
        ["moderation_log"] = "Features/Moderation",
        ["group_bans"] = "Features/Moderation",
        ["actor_keys"] = "Federation/Keys",
        ["remote_actors"] = "Federation/Resolution",
        ["remote_keys"] = "Federation/Resolution",
        ["remote_followers"] = "Federation/Inbox",
        ["inbox_activities"] = "Federation/Inbox",
        ["dropped_activities"] = "Federation/Inbox",
        ["pending_replies"] = "Federation/Inbox",
        ["dropped_samples"] = "Federation/Inbox",
        ["group_activities"] = "Federation/Outbox",
        ["delivery_jobs"] = "Federation/Delivery",
        ["delivery_hosts"] = "Federation/Delivery",
        ["federation_policy"] = "Federation/Policy",
        ["domain_blocks"] = "Federation/Policy",
        ["domain_allows"] = "Federation/Policy",
        ["federation_policy_log"] = "Federation/Policy",
        ["data_protection_keys"] = "Data",
        ["instance_secrets"] = "Data",
        ["schema_migrations"] = "Data",
        ["jobs"] = "Data",
        ["account_exports"] = "Features/DataRights",
        ["account_erasures"] = "Features/DataRights",
    };

    private static readonly Regex Write = new(@"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_][a-z0-9_]*)", RegexOptions.Compiled);
    private static readonly Regex CreateTable = new(@"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)", RegexOptions.Compiled | RegexOptions.IgnoreCase);

    [Fact]
    public void Every_table_has_one_writer()
    {
        var src = Path.Combine(RepositoryRoot(), "src", "Kindred.Server");
        var tables = Directory.GetFiles(Path.Combine(src, "Data", "Migrations", "sqlite"), "*.sql")
            .SelectMany(f => CreateTable.Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value.ToLowerInvariant()))
            .ToHashSet();
        Assert.NotEmpty(tables);
        var unowned = tables.Where(t => !Owners.ContainsKey(t) && !t.EndsWith("_new", StringComparison.Ordinal)).ToList();
        Assert.True(unowned.Count == 0, $"Name the one folder that owns each new table in ArchitectureTests.Owners: {string.Join(", ", unowned)}");

        var wrongWriters = new List<string>();
        foreach (var file in Directory.GetFiles(src, "*.cs", SearchOption.AllDirectories).Where(f => !IsBuildOutput(f)))
        {
            var relative = Path.GetRelativePath(src, file).Replace('\\', '/');
            foreach (Match m in Write.Matches(File.ReadAllText(file)))
            {
                var table = m.Groups[1].Value;
                if (tables.Contains(table) && Owners.TryGetValue(table, out var owner) && !relative.StartsWith(owner + "/", StringComparison.Ordinal))
                {
                    wrongWriters.Add($"{relative} writes {table}, owned by {owner}");
                }
            }
        }

        Assert.True(wrongWriters.Count == 0, "A table has a second writer; call its owner instead:\n" + string.Join("\n", wrongWriters.Distinct()));
    }

    private static bool IsBuildOutput(string path) =>
        path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
        || path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Federation.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Federation.sln not found above the test's folder.");
    }
}
