using Kindred.Server.Data;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Policy;

/// <summary>What an admin sends to add or change an allow.</summary>
public sealed record DomainAllowInput
{
    public string? Domain { get; init; }
    public string? PublicComment { get; init; }
    public string? PrivateComment { get; init; }
}

/// <summary>The allowlist and the mode: one set of rules for the pages, the API and the CLI.</summary>
public sealed class DomainAllows(Database db, PolicyStore store, FederationPolicy policy, TimeProvider time)
{
    public async Task<Outcome<DomainAllow>> AddAsync(DomainAllowInput input, string actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = Comments(input);
        var (domain, problem) = DomainPattern.Normalize(input.Domain);
        if (problem is not null)
        {
            errors["domain"] = problem;
        }

        if (errors.Count > 0)
        {
            return Outcome<DomainAllow>.Invalid(errors);
        }

        var allow = new DomainAllow
        {
            Id = Ids.New(time), Domain = domain!, PublicComment = (input.PublicComment ?? "").Trim(), PrivateComment = (input.PrivateComment ?? "").Trim(),
            CreatedAt = time.GetUtcNow(),
        };
        return await db.InTransactionAsync(async (c, tx) =>
        {
            if (await PolicyStore.FindAllowAsync(c, tx, allow.Domain) is not null)
            {
                return Outcome<DomainAllow>.Invalid("domain", $"{allow.Domain} is already on the allowlist.");
            }

            if (await PolicyStore.FindBlockAsync(c, tx, allow.Domain) is not null)
            {
                return Outcome<DomainAllow>.Invalid("domain", $"{allow.Domain} is blocked; remove the block first.");
            }

            await store.AddAllowAsync(c, tx, allow, actor);
            db.AfterCommit(tx, policy.Invalidate);
            return Outcome<DomainAllow>.Success(allow);
        }, ct);
    }

    public async Task<Outcome<DomainAllow>> UpdateAsync(Guid id, DomainAllowInput input, string actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (await store.FindAllowAsync(id, ct) is not { } existing)
        {
            return Outcome<DomainAllow>.NotFound("There is no such allowed domain.");
        }

        var errors = Comments(input);
        if (input.Domain is not null && DomainPattern.Normalize(input.Domain).Domain != existing.Domain)
        {
            errors["domain"] = "The domain of an allow cannot change; remove it and add a new one.";
        }

        if (errors.Count > 0)
        {
            return Outcome<DomainAllow>.Invalid(errors);
        }

        var changed = existing with
        {
            PublicComment = (input.PublicComment ?? existing.PublicComment).Trim(),
            PrivateComment = (input.PrivateComment ?? existing.PrivateComment).Trim(),
        };
        await db.InTransactionAsync(async (c, tx) =>
        {
            await store.UpdateAllowAsync(c, tx, changed, actor);
            db.AfterCommit(tx, policy.Invalidate);
        }, ct);
        return Outcome<DomainAllow>.Success(changed);
    }

    public async Task<Outcome<DomainAllow>> RemoveAsync(Guid id, string actor, CancellationToken ct)
    {
        if (await store.FindAllowAsync(id, ct) is not { } existing)
        {
            return Outcome<DomainAllow>.NotFound("There is no such allowed domain.");
        }

        await db.InTransactionAsync(async (c, tx) =>
        {
            await store.RemoveAllowAsync(c, tx, existing, actor);
            db.AfterCommit(tx, policy.Invalidate);
        }, ct);
        return Outcome<DomainAllow>.Success(existing);
    }

    public async Task<Outcome<string>> SetModeAsync(string? mode, string actor, CancellationToken ct)
    {
        var normal = (mode ?? "").Trim().ToLowerInvariant();
        if (!FederationModes.IsKnown(normal))
        {
            return Outcome<string>.Invalid("mode", "Choose blocklist (federate with all but blocked servers) or allowlist (only listed servers).");
        }

        await db.InTransactionAsync(async (c, tx) =>
        {
            await store.SetModeAsync(c, tx, normal, actor);
            db.AfterCommit(tx, policy.Invalidate);
        }, ct);
        return Outcome<string>.Success(normal);
    }

    private static Dictionary<string, string> Comments(DomainAllowInput input)
    {
        var errors = new Dictionary<string, string>();
        if (input.PublicComment is { Length: > DomainBlocks.MaxCommentLength })
        {
            errors["publicComment"] = $"Keep the public comment under {DomainBlocks.MaxCommentLength} characters.";
        }

        if (input.PrivateComment is { Length: > DomainBlocks.MaxCommentLength })
        {
            errors["privateComment"] = $"Keep the private comment under {DomainBlocks.MaxCommentLength} characters.";
        }

        return errors;
    }
}
