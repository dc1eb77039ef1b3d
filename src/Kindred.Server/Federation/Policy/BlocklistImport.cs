using Kindred.Server.Data;

namespace Kindred.Server.Federation.Policy;

/// <summary>What an import did (or, on a dry run, would do).</summary>
public sealed record ImportReport(bool DryRun, IReadOnlyList<string> Added, IReadOnlyList<string> Updated, IReadOnlyList<string> Unchanged,
    IReadOnlyList<ImportLineError> Errors);

/// <summary>
/// Imports a blocklist file (<see cref="BlocklistFormats"/>): every valid line is applied in one transaction, every bad
/// one is reported by its line number, and a dry run reports the same without saving. An existing block for the same
/// domain is replaced by the file's entry; a domain on the allowlist is reported, not blocked.
/// </summary>
public sealed class BlocklistImport(Database db, DomainBlocks blocks)
{
    public const int MaxEntries = 100_000;

    public async Task<ImportReport> ImportAsync(string text, bool dryRun, string actor, CancellationToken ct)
    {
        var (entries, errors) = BlocklistFormats.Parse(text ?? "");
        if (entries.Count > MaxEntries)
        {
            return new ImportReport(dryRun, [], [], [], [new ImportLineError(0, "file", $"The file has more than {MaxEntries} entries.")]);
        }

        var added = new List<string>();
        var updated = new List<string>();
        var unchanged = new List<string>();
        var saved = new List<DomainBlock>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await db.InTransactionAsync(async (c, tx) =>
        {
            foreach (var entry in entries)
            {
                var checkedEntry = blocks.Validate(entry.Input, null);
                if (!checkedEntry.Ok)
                {
                    errors.AddRange(checkedEntry.Errors.Select(e => new ImportLineError(entry.Line, e.Key, e.Value)));
                    continue;
                }

                var block = checkedEntry.Value!;
                if (!seen.Add(block.Domain))
                {
                    errors.Add(new ImportLineError(entry.Line, "domain", $"{block.Domain} appears more than once; the first line counts."));
                    continue;
                }

                if (await PolicyStore.FindAllowAsync(c, tx, block.Domain) is not null)
                {
                    errors.Add(new ImportLineError(entry.Line, "domain", $"{block.Domain} is on the allowlist; not blocked."));
                    continue;
                }

                var existing = await PolicyStore.FindBlockAsync(c, tx, block.Domain);
                if (existing is not null && Same(existing, block))
                {
                    unchanged.Add(block.Domain);
                    continue;
                }

                (existing is null ? added : updated).Add(block.Domain);
                if (!dryRun)
                {
                    await blocks.SaveInAsync(c, tx, block, existing, actor);
                    if (block.Severity == Severities.Suspend && existing?.Severity != Severities.Suspend)
                    {
                        saved.Add(block);
                    }
                }
            }
        }, ct);

        if (!dryRun)
        {
            await blocks.AppliedAsync(saved, ct);
        }

        return new ImportReport(dryRun, added, updated, unchanged, errors.OrderBy(e => e.Line).ToList());
    }

    private static bool Same(DomainBlock a, DomainBlock b) =>
        a.Severity == b.Severity && a.RejectMedia == b.RejectMedia && a.RejectReports == b.RejectReports && a.Obfuscate == b.Obfuscate
        && a.PublicComment == b.PublicComment && a.PrivateComment == b.PrivateComment && a.ExpiresAt == b.ExpiresAt;
}
