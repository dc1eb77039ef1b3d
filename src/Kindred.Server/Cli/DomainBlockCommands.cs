using System.CommandLine;
using System.Globalization;
using Kindred.Server.Federation.Policy;

namespace Kindred.Server.Cli;

/// <summary>
/// <c>admin domain-block add|remove|list|import|export</c>, <c>admin domain-allow add|remove|list</c> and
/// <c>admin federation-mode</c>: the federation policy (issue 13) from the operator's shell, through the same operations
/// as the admin pages and API (same validation, same log, where the actor is "cli").
/// </summary>
public static class DomainBlockCommands
{
    private const string Actor = "cli";

    public static void AddTo(Command admin, TextWriter stdout, TextWriter stderr, Func<Func<IServiceProvider, Task<int>>, Task<int>> withServices)
    {
        var block = new Command("domain-block", "Block other servers (suspend, silence, reject media or reports).");
        admin.Subcommands.Add(block);

        var domain = new Argument<string>("domain") { Description = "e.g. social.example (covers its subdomains) or *.example" };
        var severity = new Option<string>("--severity") { Description = "suspend, silence, noop, reject-media or reject-reports.", DefaultValueFactory = _ => Severities.Suspend };
        var rejectMedia = new Option<bool>("--reject-media") { Description = "Also reject media from it." };
        var rejectReports = new Option<bool>("--reject-reports") { Description = "Also reject reports and reactions from it." };
        var publicComment = new Option<string?>("--public-comment") { Description = "Why, as published." };
        var privateComment = new Option<string?>("--private-comment") { Description = "Why, for admins only." };
        var expiresAt = new Option<string?>("--expires-at") { Description = "When the block lifts by itself (UTC), e.g. 2027-01-31T12:00:00Z." };
        var add = new Command("add", "Add a block; prints what it cuts.") { domain, severity, rejectMedia, rejectReports, publicComment, privateComment, expiresAt };
        add.SetAction((parse, ct) => withServices(async services =>
        {
            DateTimeOffset? expires = null;
            if (parse.GetValue(expiresAt) is { Length: > 0 } text)
            {
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
                {
                    await stderr.WriteLineAsync("error: --expires-at: give a date and time such as 2027-01-31T12:00:00Z.");
                    return 1;
                }

                expires = at;
            }

            var (normal, problem) = DomainPattern.Normalize(parse.GetValue(domain));
            if (problem is not null)
            {
                await stderr.WriteLineAsync("error: domain: " + problem);
                return 1;
            }

            var impact = await services.GetRequiredService<ImpactPreview>().PreviewAsync(normal!, ct);
            var outcome = await services.GetRequiredService<DomainBlocks>().AddAsync(new DomainBlockInput
            {
                Domain = normal, Severity = parse.GetValue(severity),
                RejectMedia = parse.GetValue(rejectMedia) ? true : null, RejectReports = parse.GetValue(rejectReports) ? true : null,
                PublicComment = parse.GetValue(publicComment), PrivateComment = parse.GetValue(privateComment), ExpiresAt = expires,
            }, Actor, ct);
            if (!outcome.Ok)
            {
                return await ErrorsAsync(stderr, outcome.Errors, outcome.Message);
            }

            var b = outcome.Value!;
            await stdout.WriteLineAsync($"Blocked {b.Domain} ({b.Severity}). It cut: {impact.Members} members, {impact.Follows} follows, {impact.Groups} groups, " +
                                        $"{impact.Followers} followers, {impact.QueuedDeliveries} queued deliveries.");
            return 0;
        }));
        block.Subcommands.Add(add);

        var removeDomain = new Argument<string>("domain") { Description = "The blocked domain, as listed." };
        var remove = new Command("remove", "Lift a block.") { removeDomain };
        remove.SetAction((parse, ct) => withServices(async services =>
        {
            var normal = DomainPattern.Normalize(parse.GetValue(removeDomain)).Domain;
            var found = (await services.GetRequiredService<PolicyStore>().ListBlocksAsync(ct)).FirstOrDefault(b => b.Domain == normal);
            if (found is null)
            {
                await stderr.WriteLineAsync($"error: {parse.GetValue(removeDomain)} is not blocked.");
                return 1;
            }

            await services.GetRequiredService<DomainBlocks>().RemoveAsync(found.Id, Actor, ct);
            await stdout.WriteLineAsync($"Lifted the block of {found.Domain}.");
            return 0;
        }));
        block.Subcommands.Add(remove);

        var list = new Command("list", "List blocks: domain, severity, flags, expiry, public comment (tab-separated).");
        list.SetAction((parse, ct) => withServices(async services =>
        {
            foreach (var b in await services.GetRequiredService<PolicyStore>().ListBlocksAsync(ct))
            {
                var flags = string.Join(",", new[] { b.RejectMedia ? "reject-media" : null, b.RejectReports ? "reject-reports" : null }.Where(f => f is not null));
                await stdout.WriteLineAsync(string.Join('\t', b.Domain, b.Severity, flags, b.ExpiresAt?.UtcDateTime.ToString("u", CultureInfo.InvariantCulture) ?? "", b.PublicComment));
            }

            return 0;
        }));
        block.Subcommands.Add(list);

        var file = new Argument<FileInfo>("file") { Description = "A Mastodon CSV export or a GoToSocial JSON list." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only show what would change." };
        var import = new Command("import", "Import a blocklist; bad lines are reported by number, the rest imported.") { file, dryRun };
        import.SetAction((parse, ct) => withServices(async services =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                await stderr.WriteLineAsync($"error: file: {path.FullName} does not exist.");
                return 1;
            }

            var report = await services.GetRequiredService<BlocklistImport>().ImportAsync(await File.ReadAllTextAsync(path.FullName, ct), parse.GetValue(dryRun), Actor, ct);
            await stdout.WriteLineAsync($"{(report.DryRun ? "Dry run: would add" : "Added")} {report.Added.Count}, {(report.DryRun ? "change" : "changed")} {report.Updated.Count}, " +
                                        $"unchanged {report.Unchanged.Count}, lines not imported {report.Errors.Count}.");
            foreach (var e in report.Errors)
            {
                await stderr.WriteLineAsync($"line {e.Line}: {e.Field}: {e.Message}");
            }

            return report.Errors.Count == 0 ? 0 : 4;
        }));
        block.Subcommands.Add(import);

        var format = new Option<string>("--format") { Description = "csv (Mastodon) or json (GoToSocial).", DefaultValueFactory = _ => BlocklistFormats.Csv };
        format.AcceptOnlyFromAmong(BlocklistFormats.Csv, BlocklistFormats.Json);
        var export = new Command("export", "Write the blocks to standard output.") { format };
        export.SetAction((parse, ct) => withServices(async services =>
        {
            var blocks = await services.GetRequiredService<PolicyStore>().ListBlocksAsync(ct);
            await stdout.WriteAsync(parse.GetValue(format) == BlocklistFormats.Json ? BlocklistFormats.WriteGoToSocialJson(blocks) : BlocklistFormats.WriteMastodonCsv(blocks));
            return 0;
        }));
        block.Subcommands.Add(export);

        AddAllows(admin, stdout, stderr, withServices);
    }

    private static void AddAllows(Command admin, TextWriter stdout, TextWriter stderr, Func<Func<IServiceProvider, Task<int>>, Task<int>> withServices)
    {
        var allow = new Command("domain-allow", "The allowlist (used in allowlist mode).");
        admin.Subcommands.Add(allow);
        var domain = new Argument<string>("domain");
        var comment = new Option<string?>("--public-comment");
        var add = new Command("add", "Allow a server.") { domain, comment };
        add.SetAction((parse, ct) => withServices(async services =>
        {
            var outcome = await services.GetRequiredService<DomainAllows>().AddAsync(new DomainAllowInput { Domain = parse.GetValue(domain), PublicComment = parse.GetValue(comment) }, Actor, ct);
            if (!outcome.Ok)
            {
                return await ErrorsAsync(stderr, outcome.Errors, outcome.Message);
            }

            await stdout.WriteLineAsync($"Allowed {outcome.Value!.Domain}.");
            return 0;
        }));
        allow.Subcommands.Add(add);

        var removeDomain = new Argument<string>("domain");
        var remove = new Command("remove", "Remove a server from the allowlist.") { removeDomain };
        remove.SetAction((parse, ct) => withServices(async services =>
        {
            var normal = DomainPattern.Normalize(parse.GetValue(removeDomain)).Domain;
            var found = (await services.GetRequiredService<PolicyStore>().ListAllowsAsync(ct)).FirstOrDefault(a => a.Domain == normal);
            if (found is null)
            {
                await stderr.WriteLineAsync($"error: {parse.GetValue(removeDomain)} is not on the allowlist.");
                return 1;
            }

            await services.GetRequiredService<DomainAllows>().RemoveAsync(found.Id, Actor, ct);
            await stdout.WriteLineAsync($"Removed {found.Domain} from the allowlist.");
            return 0;
        }));
        allow.Subcommands.Add(remove);

        var list = new Command("list", "List allowed servers.");
        list.SetAction((parse, ct) => withServices(async services =>
        {
            foreach (var a in await services.GetRequiredService<PolicyStore>().ListAllowsAsync(ct))
            {
                await stdout.WriteLineAsync(a.Domain + '\t' + a.PublicComment);
            }

            return 0;
        }));
        allow.Subcommands.Add(list);

        var mode = new Argument<string?>("mode") { Description = "blocklist or allowlist; without it, the current mode is printed.", Arity = ArgumentArity.ZeroOrOne };
        var setMode = new Command("federation-mode", "Show or set the federation mode: blocklist (all but blocked) or allowlist (only listed servers).") { mode };
        setMode.SetAction((parse, ct) => withServices(async services =>
        {
            if (parse.GetValue(mode) is not { Length: > 0 } value)
            {
                await stdout.WriteLineAsync((await services.GetRequiredService<PolicyStore>().StateAsync(ct)).Mode);
                return 0;
            }

            var outcome = await services.GetRequiredService<DomainAllows>().SetModeAsync(value, Actor, ct);
            if (!outcome.Ok)
            {
                return await ErrorsAsync(stderr, outcome.Errors, outcome.Message);
            }

            await stdout.WriteLineAsync($"Federation mode: {outcome.Value}.");
            return 0;
        }));
        admin.Subcommands.Add(setMode);
    }

    private static async Task<int> ErrorsAsync(TextWriter stderr, IReadOnlyDictionary<string, string> errors, string? message)
    {
        if (errors.Count == 0)
        {
            await stderr.WriteLineAsync("error: " + message);
        }

        foreach (var (field, problem) in errors)
        {
            await stderr.WriteLineAsync($"error: {field}: {problem}");
        }

        return 1;
    }
}
