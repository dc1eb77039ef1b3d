using System.Data.Common;
using Kindred.Server.Data;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Policy;

/// <summary>What an admin sends to create or change a block; null means "not given" (PATCH keeps the stored value).</summary>
public sealed record DomainBlockInput
{
    public string? Domain { get; init; }
    public string? Severity { get; init; }
    public bool? RejectMedia { get; init; }
    public bool? RejectReports { get; init; }
    public bool? Obfuscate { get; init; }
    public string? PublicComment { get; init; }
    public string? PrivateComment { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>True when the input said <c>"expiresAt": null</c> (or an empty field): the block no longer expires.</summary>
    public bool ClearExpiry { get; init; }
}

/// <summary>
/// Adding, changing and lifting domain blocks, for the admin pages, the API, the CLI and imports alike: one set of
/// rules (bad input is named by its field), one transaction per change, the matcher dropped once it commits, and what a
/// suspension cuts applied right after (<see cref="Suspensions"/>).
/// </summary>
public sealed class DomainBlocks(Database db, PolicyStore store, FederationPolicy policy, Suspensions suspensions, TimeProvider time)
{
    public const int MaxCommentLength = 1000;

    /// <summary>Mastodon's severities plus the two reject flags written as severities (as the issue and GoToSocial users say them).</summary>
    public static (string Severity, bool RejectMedia, bool RejectReports)? ParseSeverity(string? value) => (value ?? "").Trim().ToLowerInvariant() switch
    {
        "suspend" => (Severities.Suspend, false, false),
        "silence" or "limit" => (Severities.Silence, false, false),
        "noop" or "none" => (Severities.Noop, false, false),
        "reject-media" or "reject_media" => (Severities.Noop, true, false),
        "reject-reports" or "reject_reports" => (Severities.Noop, false, true),
        _ => null,
    };

    /// <summary>Checks <paramref name="input"/> and merges it over <paramref name="existing"/> (null when adding).</summary>
    public Outcome<DomainBlock> Validate(DomainBlockInput input, DomainBlock? existing)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new Dictionary<string, string>();
        var domain = existing?.Domain;
        if (existing is null)
        {
            var (normal, problem) = DomainPattern.Normalize(input.Domain);
            if (problem is not null)
            {
                errors["domain"] = problem;
            }

            domain = normal;
        }
        else if (input.Domain is not null && DomainPattern.Normalize(input.Domain).Domain != existing.Domain)
        {
            errors["domain"] = "The domain of a block cannot change; remove it and add a new one.";
        }

        var severity = existing?.Severity ?? Severities.Suspend;
        var rejectMedia = existing?.RejectMedia ?? false;
        var rejectReports = existing?.RejectReports ?? false;
        if (input.Severity is not null)
        {
            if (ParseSeverity(input.Severity) is { } parsed)
            {
                (severity, rejectMedia, rejectReports) = (parsed.Severity, rejectMedia || parsed.RejectMedia, rejectReports || parsed.RejectReports);
            }
            else
            {
                errors["severity"] = $"'{input.Severity}' is not a severity: use suspend, silence, noop, reject-media or reject-reports.";
            }
        }

        rejectMedia = input.RejectMedia ?? rejectMedia;
        rejectReports = input.RejectReports ?? rejectReports;
        if (input.PublicComment is { Length: > MaxCommentLength })
        {
            errors["publicComment"] = $"Keep the public comment under {MaxCommentLength} characters.";
        }

        if (input.PrivateComment is { Length: > MaxCommentLength })
        {
            errors["privateComment"] = $"Keep the private comment under {MaxCommentLength} characters.";
        }

        var now = time.GetUtcNow();
        var expiresAt = input.ClearExpiry ? null : input.ExpiresAt ?? existing?.ExpiresAt;
        if (input.ExpiresAt is { } e && e <= now)
        {
            errors["expiresAt"] = "The expiry must be in the future.";
        }

        if (errors.Count > 0)
        {
            return Outcome<DomainBlock>.Invalid(errors);
        }

        return Outcome<DomainBlock>.Success(new DomainBlock
        {
            Id = existing?.Id ?? Ids.New(time),
            Domain = domain!,
            Severity = severity,
            RejectMedia = rejectMedia,
            RejectReports = rejectReports,
            Obfuscate = input.Obfuscate ?? existing?.Obfuscate ?? false,
            PublicComment = (input.PublicComment ?? existing?.PublicComment ?? "").Trim(),
            PrivateComment = (input.PrivateComment ?? existing?.PrivateComment ?? "").Trim(),
            ExpiresAt = expiresAt,
            Source = existing?.Source ?? "local",
            CreatedAt = existing?.CreatedAt ?? now,
            UpdatedAt = now,
        });
    }

    public async Task<Outcome<DomainBlock>> AddAsync(DomainBlockInput input, string actor, CancellationToken ct)
    {
        var checkedInput = Validate(input, null);
        if (!checkedInput.Ok)
        {
            return checkedInput;
        }

        var block = checkedInput.Value!;
        var outcome = await db.InTransactionAsync(async (c, tx) =>
        {
            if (await PolicyStore.FindBlockAsync(c, tx, block.Domain) is not null)
            {
                return Outcome<DomainBlock>.Invalid("domain", $"{block.Domain} is already blocked; change that block instead.");
            }

            if (await PolicyStore.FindAllowAsync(c, tx, block.Domain) is not null)
            {
                return Outcome<DomainBlock>.Invalid("domain", $"{block.Domain} is on the allowlist; remove it from there first.");
            }

            await store.AddBlockAsync(c, tx, block, actor);
            Committed(tx);
            return Outcome<DomainBlock>.Success(block);
        }, ct);
        await AfterAsync(outcome, null, ct);
        return outcome;
    }

    public async Task<Outcome<DomainBlock>> UpdateAsync(Guid id, DomainBlockInput input, string actor, CancellationToken ct)
    {
        if (await store.FindBlockAsync(id, ct) is not { } existing)
        {
            return Outcome<DomainBlock>.NotFound("There is no such domain block.");
        }

        var merged = Validate(input, existing);
        if (!merged.Ok)
        {
            return merged;
        }

        await db.InTransactionAsync(async (c, tx) =>
        {
            await store.UpdateBlockAsync(c, tx, merged.Value!, actor);
            Committed(tx);
        }, ct);
        await AfterAsync(merged, existing, ct);
        return merged;
    }

    public async Task<Outcome<DomainBlock>> RemoveAsync(Guid id, string actor, CancellationToken ct)
    {
        if (await store.FindBlockAsync(id, ct) is not { } existing)
        {
            return Outcome<DomainBlock>.NotFound("There is no such domain block.");
        }

        await db.InTransactionAsync(async (c, tx) =>
        {
            await store.RemoveBlockAsync(c, tx, existing, actor);
            Committed(tx);
        }, ct);
        return Outcome<DomainBlock>.Success(existing);
    }

    /// <summary>Adds or replaces a block in the caller's transaction (imports and subscriptions); the caller calls <see cref="AppliedAsync"/> after commit.</summary>
    public async Task SaveInAsync(DbConnection c, DbTransaction tx, DomainBlock block, DomainBlock? existing, string actor)
    {
        if (existing is null)
        {
            await store.AddBlockAsync(c, tx, block, actor);
        }
        else
        {
            await store.UpdateBlockAsync(c, tx, block with { Id = existing.Id, CreatedAt = existing.CreatedAt }, actor);
        }

        Committed(tx);
    }

    /// <summary>After blocks were saved in bulk: applies what new suspensions cut.</summary>
    public Task AppliedAsync(IEnumerable<DomainBlock> suspended, CancellationToken ct) =>
        suspensions.ApplyAsync(suspended.Where(b => b.Severity == Severities.Suspend).Select(b => b.Domain).ToList(), ct);

    public void Committed(DbTransaction tx) => db.AfterCommit(tx, policy.Invalidate);

    private async Task AfterAsync(Outcome<DomainBlock> outcome, DomainBlock? before, CancellationToken ct)
    {
        if (outcome is { Ok: true, Value: { Severity: Severities.Suspend } block } && before?.Severity != Severities.Suspend)
        {
            await suspensions.ApplyAsync([block.Domain], ct);
        }
    }
}
