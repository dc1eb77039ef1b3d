using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Kindred.Server.Federation.Policy;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Policy;

/// <summary>The admin API of the federation policy (issue 13): blocks, allows, the mode, bad input named by field, import and export.</summary>
public abstract class PolicyApiTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private GroupRig Rig => new(fixture.Server);

    private static string Unique(string prefix) => ($"{prefix}{Guid.NewGuid():N}"[..20] + ".example").ToLowerInvariant();

    private static async Task<Dictionary<string, string>> FieldErrorsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return json.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value[0].GetString()!);
    }

    [Fact]
    public async Task Blocks_are_created_listed_changed_and_lifted_and_only_admins_may()
    {
        var admin = await Rig.AdminAsync();
        var member = await Rig.MemberAsync();
        var domain = Unique("Bad");
        Assert.Equal(HttpStatusCode.Forbidden, (await Rig.SendAsync(HttpMethod.Get, "/api/v1/admin/domain-blocks", member.Token)).StatusCode);

        var created = await Rig.JsonAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks", admin.Token,
            new { domain = "https://" + domain.ToUpperInvariant() + "/about", severity = "silence", rejectMedia = true, publicComment = "spam", privateComment = "seen in reports" },
            HttpStatusCode.Created);
        Assert.Equal(domain, created.GetProperty("domain").GetString());
        Assert.Equal("silence", created.GetProperty("severity").GetString());
        Assert.True(created.GetProperty("rejectMedia").GetBoolean());
        var id = created.GetProperty("id").GetString();

        var list = await Rig.JsonAsync(HttpMethod.Get, "/api/v1/admin/domain-blocks", admin.Token);
        Assert.Contains(list.GetProperty("items").EnumerateArray(), b => b.GetProperty("domain").GetString() == domain);

        var patched = await Rig.JsonAsync(HttpMethod.Patch, $"/api/v1/admin/domain-blocks/{id}", admin.Token, new { severity = "suspend", expiresAt = DateTimeOffset.UtcNow.AddDays(30) });
        Assert.Equal("suspend", patched.GetProperty("severity").GetString());
        Assert.True(patched.GetProperty("rejectMedia").GetBoolean());
        Assert.Equal("spam", patched.GetProperty("publicComment").GetString());
        Assert.NotEqual(JsonValueKind.Null, patched.GetProperty("expiresAt").ValueKind);

        Assert.Equal(HttpStatusCode.NoContent, (await Rig.SendAsync(HttpMethod.Delete, $"/api/v1/admin/domain-blocks/{id}", admin.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Rig.SendAsync(HttpMethod.Get, $"/api/v1/admin/domain-blocks/{id}", admin.Token)).StatusCode);

        // Every change is logged with who made it.
        await using var c = await fixture.Server.Get<Kindred.Server.Data.Database>().OpenAsync();
        var log = (await Dapper.SqlMapper.QueryAsync<string>(c, "SELECT action FROM federation_policy_log WHERE domain = @d AND actor = @a", new { d = domain, a = admin.Name })).ToList();
        Assert.Equal(["block.add", "block.remove", "block.update"], log.Order().ToList());
    }

    [Fact]
    public async Task Bad_input_is_answered_400_naming_the_field()
    {
        var admin = await Rig.AdminAsync();
        var domain = Unique("dup");
        await Rig.JsonAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks", admin.Token, new { domain }, HttpStatusCode.Created);

        Assert.Contains("domain", await FieldErrorsAsync(await Rig.SendAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks", admin.Token, new { domain })));
        Assert.Contains("domain", await FieldErrorsAsync(await Rig.SendAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks", admin.Token, new { domain = "not a domain!" })));
        Assert.Contains("domain", await FieldErrorsAsync(await Rig.SendAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks", admin.Token, new { domain = "a.*.example" })));
        Assert.Contains("domain", await FieldErrorsAsync(await Rig.SendAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks", admin.Token, new { domain = "" })));
        Assert.Contains("severity", await FieldErrorsAsync(await Rig.SendAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks", admin.Token, new { domain = Unique("sev"), severity = "obliterate" })));
        Assert.Contains("rejectMedia", await FieldErrorsAsync(await Rig.SendAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks", admin.Token, new { domain = Unique("rm"), rejectMedia = "yes" })));
        Assert.Contains("expiresAt", await FieldErrorsAsync(await Rig.SendAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks", admin.Token, new { domain = Unique("exp"), expiresAt = "2001-01-01T00:00:00Z" })));
        Assert.Contains("expiresAt", await FieldErrorsAsync(await Rig.SendAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks", admin.Token, new { domain = Unique("exp"), expiresAt = "soon" })));
        Assert.Contains("publicComment", await FieldErrorsAsync(await Rig.SendAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks", admin.Token, new { domain = Unique("pc"), publicComment = new string('x', 1001) })));
        // An allow for a blocked domain, and the other way round.
        Assert.Contains("domain", await FieldErrorsAsync(await Rig.SendAsync(HttpMethod.Post, "/api/v1/admin/domain-allows", admin.Token, new { domain })));
        var allowed = Unique("partner");
        await Rig.JsonAsync(HttpMethod.Post, "/api/v1/admin/domain-allows", admin.Token, new { domain = allowed }, HttpStatusCode.Created);
        Assert.Contains("domain", await FieldErrorsAsync(await Rig.SendAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks", admin.Token, new { domain = allowed })));
        Assert.Contains("domain", await FieldErrorsAsync(await Rig.SendAsync(HttpMethod.Post, "/api/v1/admin/domain-allows", admin.Token, new { domain = allowed })));
        Assert.Contains("mode", await FieldErrorsAsync(await Rig.SendAsync(HttpMethod.Put, "/api/v1/admin/federation", admin.Token, new { mode = "closed" })));
        Assert.Contains("mode", await FieldErrorsAsync(await Rig.SendAsync(HttpMethod.Put, "/api/v1/admin/federation", admin.Token, new { mode = 3 })));
        Assert.Equal(HttpStatusCode.NotFound, (await Rig.SendAsync(HttpMethod.Patch, $"/api/v1/admin/domain-blocks/{Guid.NewGuid()}", admin.Token, new { severity = "silence" })).StatusCode);
    }

    [Fact]
    public async Task The_mode_is_read_and_set()
    {
        var admin = await Rig.AdminAsync();
        var before = await Rig.JsonAsync(HttpMethod.Get, "/api/v1/admin/federation", admin.Token);
        Assert.Equal("blocklist", before.GetProperty("mode").GetString());
        try
        {
            var after = await Rig.JsonAsync(HttpMethod.Put, "/api/v1/admin/federation", admin.Token, new { mode = "allowlist" });
            Assert.Equal("allowlist", after.GetProperty("mode").GetString());
            Assert.True(after.GetProperty("version").GetInt64() > before.GetProperty("version").GetInt64());
            Assert.Equal("allowlist", await fixture.Server.Get<FederationPolicy>().ModeAsync(CancellationToken.None));
        }
        finally
        {
            await Rig.JsonAsync(HttpMethod.Put, "/api/v1/admin/federation", admin.Token, new { mode = "blocklist" });
        }
    }

    [Fact]
    public async Task A_Mastodon_export_imports_with_bad_lines_reported_by_number_and_round_trips()
    {
        var admin = await Rig.AdminAsync();
        var (a, b, c) = (Unique("csva"), Unique("csvb"), Unique("csvc"));
        // The shape of Mastodon's own export (Admin > Federation > Export), with two broken lines.
        var csv = $"""
            #domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
            {a},suspend,false,false,"Harassment, repeatedly",false
            {b},silence,true,false,,false
            bad domain!,suspend,false,false,,false
            {c},obliterate,false,false,,false
            {c.ToUpperInvariant()},noop,true,true,"media only",true
            """;

        var dry = await ImportAsync(admin.Token, csv, dryRun: true);
        Assert.True(dry.GetProperty("dryRun").GetBoolean());
        Assert.Equal(3, dry.GetProperty("added").GetArrayLength());
        Assert.Equal([4, 5], dry.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()).ToArray());
        Assert.Equal("severity", dry.GetProperty("errors")[1].GetProperty("field").GetString());
        Assert.DoesNotContain((await Rig.JsonAsync(HttpMethod.Get, "/api/v1/admin/domain-blocks", admin.Token)).GetProperty("items").EnumerateArray(), x => x.GetProperty("domain").GetString() == a);

        var real = await ImportAsync(admin.Token, csv, dryRun: false);
        Assert.Equal(3, real.GetProperty("added").GetArrayLength());
        var again = await ImportAsync(admin.Token, csv, dryRun: false);
        Assert.Equal(0, again.GetProperty("added").GetArrayLength());
        Assert.Equal(3, again.GetProperty("unchanged").GetArrayLength());

        using var session = fixture.Server.NewSession();
        var export = await (await session.GetWithTokenAsync("/api/v1/admin/domain-blocks/export?format=csv", admin.Token)).Content.ReadAsStringAsync();
        var lines = export.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate", lines[0]);
        Assert.Contains($"{a},suspend,false,false,\"Harassment, repeatedly\",false", lines);
        Assert.Contains($"{b},silence,true,false,,false", lines);
        Assert.Contains($"{c},noop,true,true,media only,true", lines);

        var (entries, errors) = BlocklistFormats.ParseMastodonCsv(export);
        Assert.Empty(errors);
        Assert.Contains(entries, e => e.Input.Domain == a && e.Input.PublicComment == "Harassment, repeatedly");

        var json = await (await session.GetWithTokenAsync("/api/v1/admin/domain-blocks/export?format=json", admin.Token)).Content.ReadAsStringAsync();
        var (fromJson, jsonErrors) = BlocklistFormats.Parse(json);
        Assert.Empty(jsonErrors);
        Assert.Contains(fromJson, e => e.Input.Domain == b && e.Input.Severity == "silence" && e.Input.RejectMedia == true);
    }

    private async Task<JsonElement> ImportAsync(string token, string csv, bool dryRun)
    {
        using var session = fixture.Server.NewSession();
        using var content = new MultipartFormDataContent();
        var file = new StringContent(csv);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        content.Add(file, "file", "domain_blocks.csv");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/admin/domain-blocks/import?dryRun={(dryRun ? "true" : "false")}") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await session.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

public sealed class PolicyApiTestsOnSqlite(SqliteServer f) : PolicyApiTests<SqliteServer>(f);

public sealed class PolicyApiTestsOnPostgres(PostgresServer f) : PolicyApiTests<PostgresServer>(f);
