using System.Net;
using Kindred.Server.Cli;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Policy;

/// <summary>The admin pages (forms, no JavaScript) and the admin CLI of the federation policy.</summary>
public abstract class PolicyPageTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private GroupRig Rig => new(fixture.Server);

    [Fact]
    public async Task A_block_is_previewed_then_saved_changed_and_lifted_on_the_pages()
    {
        var admin = await Rig.AdminAsync();
        var member = await Rig.MemberAsync();
        Assert.NotEqual(HttpStatusCode.OK, (await member.Web.GetAsync("/admin/federation/policy")).Status);

        // Bad input: the page comes back with 400 and the error next to the field, the typing kept.
        var bad = await admin.Web.SubmitAsync("/admin/federation/policy", "/admin/federation/domain-blocks/preview",
            new Dictionary<string, string> { ["domain"] = "not a domain", ["publicComment"] = "kept" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badPage = await WebSession.ParseAsync(bad);
        Assert.NotEmpty(badPage.Text("#domain-error"));
        Assert.Equal("kept", badPage.Document.QuerySelector("#publicComment")!.GetAttribute("value"));

        // Preview first: nothing is saved until the confirmation is sent.
        var preview = await admin.Web.SubmitAsync("/admin/federation/policy", "/admin/federation/domain-blocks/preview",
            new Dictionary<string, string> { ["domain"] = "Pages.Example", ["severity"] = "silence", ["publicComment"] = "spam waves" });
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        var confirm = await WebSession.ParseAsync(preview);
        Assert.Equal("0", confirm.Text(".impact .members"));
        Assert.DoesNotContain("pages.example", (await admin.Web.GetAsync("/admin/federation/policy")).Text("table.domain-blocks"), StringComparison.Ordinal);

        var saved = await admin.Web.SubmitAsync(confirm, "/admin/federation/domain-blocks", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var overview = await admin.Web.GetAsync("/admin/federation/policy");
        var row = overview.Document.QuerySelectorAll("table.domain-blocks tbody tr").Single(r => r.TextContent.Contains("pages.example", StringComparison.Ordinal));
        Assert.Equal("silence", row.QuerySelector(".severity")!.TextContent.Trim());
        Assert.Contains(overview.Document.QuerySelectorAll("table.policy-log tbody tr"), r => r.TextContent.Contains(admin.Name, StringComparison.Ordinal));

        var edit = row.QuerySelector("a")!.GetAttribute("href")!;
        var changed = await admin.Web.SubmitAsync(edit, edit, new Dictionary<string, string> { ["severity"] = "suspend", ["publicComment"] = "spam waves" });
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        overview = await admin.Web.GetAsync("/admin/federation/policy");
        row = overview.Document.QuerySelectorAll("table.domain-blocks tbody tr").Single(r => r.TextContent.Contains("pages.example", StringComparison.Ordinal));
        Assert.Equal("suspend", row.QuerySelector(".severity")!.TextContent.Trim());

        var lift = row.QuerySelector("form")!.GetAttribute("action")!;
        Assert.Equal(HttpStatusCode.Redirect, (await admin.Web.SubmitAsync(overview, lift, new Dictionary<string, string>())).StatusCode);
        Assert.DoesNotContain("pages.example", (await admin.Web.GetAsync("/admin/federation/policy")).Text("table.domain-blocks"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_admin_cli_adds_lists_exports_imports_and_removes_blocks()
    {
        var file = Path.GetTempFileName();
        try
        {
            var (code, output, errors) = await CliAsync("domain-block", "add", "cli.example", "--severity", "silence", "--public-comment", "from the shell");
            Assert.True(code == 0, errors);
            Assert.Contains("Blocked cli.example (silence)", output, StringComparison.Ordinal);
            (code, output, _) = await CliAsync("domain-block", "list");
            Assert.Contains("cli.example\tsilence", output, StringComparison.Ordinal);
            (code, output, _) = await CliAsync("domain-block", "export");
            Assert.StartsWith("#domain,#severity", output, StringComparison.Ordinal);
            Assert.Contains("cli.example,silence,false,false,from the shell,false", output, StringComparison.Ordinal);

            await File.WriteAllTextAsync(file, "#domain,#severity\nimported.example,suspend\nbad!,suspend\n");
            (code, output, errors) = await CliAsync("domain-block", "import", file, "--dry-run");
            Assert.Equal(4, code);
            Assert.Contains("would add 1", output, StringComparison.Ordinal);
            Assert.Contains("line 3: domain", errors, StringComparison.Ordinal);

            (code, _, errors) = await CliAsync("domain-block", "add", "cli.example");
            Assert.Equal(1, code);
            Assert.Contains("domain:", errors, StringComparison.Ordinal);

            (code, output, _) = await CliAsync("domain-block", "remove", "cli.example");
            Assert.Equal(0, code);
            (_, output, _) = await CliAsync("domain-block", "list");
            Assert.DoesNotContain("cli.example", output, StringComparison.Ordinal);

            (code, output, _) = await CliAsync("federation-mode");
            Assert.Equal("blocklist", output.Trim());
            (code, _, errors) = await CliAsync("federation-mode", "open");
            Assert.Equal(1, code);
            Assert.Contains("mode:", errors, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task<(int Code, string Output, string Errors)> CliAsync(params string[] command)
    {
        var args = new List<string> { "admin" };
        args.AddRange(command);
        args.AddRange(fixture.Server.Settings.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}"));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await AdminCli.RunAsync([.. args], new StringReader(""), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}

public sealed class PolicyPageTestsOnSqlite(SqliteServer f) : PolicyPageTests<SqliteServer>(f);

public sealed class PolicyPageTestsOnPostgres(PostgresServer f) : PolicyPageTests<PostgresServer>(f);
