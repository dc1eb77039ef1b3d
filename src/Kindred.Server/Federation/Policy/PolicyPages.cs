using System.Globalization;
using Kindred.Server.Theming;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Policy;

/// <summary>
/// The admin pages of the federation policy (no JavaScript; every form carries its antiforgery token):
/// /admin/federation/policy lists the mode, blocks and allows with forms to change them; a new block is shown with its
/// impact (members, follows, groups, queued deliveries) on a confirmation page before it is saved.
/// </summary>
public static class PolicyPages
{
    private const int LogRows = 50;

    public static IEndpointRouteBuilder MapPolicyPages(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin/federation").RequireAuthorization(Policies.Admin).ExcludeFromDescription();

        admin.MapGet("/policy", (HttpContext http, Pages pages, PolicyStore store) => OverviewAsync(http, pages, store, new Dictionary<string, string>(), null, null));

        admin.MapPost("/mode", async (HttpContext http, Pages pages, PolicyStore store, DomainAllows allows) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var outcome = await allows.SetModeAsync(Forms.Value(form, "mode"), PolicyApi.Actor(http), http.RequestAborted);
            return outcome.Ok
                ? Results.Redirect("/admin/federation/policy?notice=federation-mode-saved")
                : await OverviewAsync(http, pages, store, new Dictionary<string, string>(outcome.Errors), null, null);
        });

        admin.MapPost("/domain-blocks/preview", async (HttpContext http, Pages pages, PolicyStore store, DomainBlocks blocks, ImpactPreview preview) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var (input, errors) = BlockForm(form);
            var checkedInput = errors.Count > 0 ? null : blocks.Validate(input, null);
            if (checkedInput is { Ok: false })
            {
                errors = new Dictionary<string, string>(checkedInput.Errors);
            }

            if (errors.Count > 0)
            {
                return await OverviewAsync(http, pages, store, errors, input, null);
            }

            var block = checkedInput!.Value!;
            var impact = await preview.PreviewAsync(block.Domain, http.RequestAborted);
            return await pages.RenderAsync(http, "admin-domain-block-confirm", $"Block {block.Domain}?", new
            {
                Block = View(block),
                Input = FormView(input),
                Impact = impact,
            });
        });

        admin.MapPost("/domain-blocks", async (HttpContext http, Pages pages, PolicyStore store, DomainBlocks blocks) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var (input, errors) = BlockForm(form);
            var outcome = errors.Count > 0 ? null : await blocks.AddAsync(input, PolicyApi.Actor(http), http.RequestAborted);
            return outcome is { Ok: true }
                ? Results.Redirect("/admin/federation/policy?notice=domain-block-saved")
                : await OverviewAsync(http, pages, store, outcome is null ? errors : new Dictionary<string, string>(outcome.Errors), input, null);
        });

        admin.MapGet("/domain-blocks/{id:guid}", async (Guid id, HttpContext http, Pages pages, PolicyStore store) =>
            await store.FindBlockAsync(id, http.RequestAborted) is { } block
                ? await EditAsync(http, pages, block, FormView(null, block), new Dictionary<string, string>())
                : Results.NotFound());

        admin.MapPost("/domain-blocks/{id:guid}", async (Guid id, HttpContext http, Pages pages, PolicyStore store, DomainBlocks blocks) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            if (await store.FindBlockAsync(id, http.RequestAborted) is not { } existing)
            {
                return Results.NotFound();
            }

            var (input, errors) = BlockForm(form);
            input = input with { Domain = null, ClearExpiry = input.ExpiresAt is null && errors.Count == 0 };
            var outcome = errors.Count > 0 ? null : await blocks.UpdateAsync(id, input, PolicyApi.Actor(http), http.RequestAborted);
            return outcome is { Ok: true }
                ? Results.Redirect("/admin/federation/policy?notice=domain-block-saved")
                : await EditAsync(http, pages, existing, FormView(input, existing), outcome is null ? errors : new Dictionary<string, string>(outcome.Errors));
        });

        admin.MapPost("/domain-blocks/{id:guid}/remove", async (Guid id, HttpContext http, DomainBlocks blocks) =>
        {
            if (await Forms.ReadAsync(http) is null)
            {
                return await Forms.ExpiredAsync(http);
            }

            var outcome = await blocks.RemoveAsync(id, PolicyApi.Actor(http), http.RequestAborted);
            return outcome.Ok ? Results.Redirect("/admin/federation/policy?notice=domain-block-removed") : Results.NotFound();
        });

        admin.MapPost("/domain-allows", async (HttpContext http, Pages pages, PolicyStore store, DomainAllows allows) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var input = new DomainAllowInput { Domain = Forms.Value(form, "allowDomain"), PublicComment = Forms.Value(form, "allowPublicComment") };
            var outcome = await allows.AddAsync(input, PolicyApi.Actor(http), http.RequestAborted);
            return outcome.Ok
                ? Results.Redirect("/admin/federation/policy?notice=domain-allow-saved")
                : await OverviewAsync(http, pages, store, outcome.Errors.ToDictionary(e => e.Key == "domain" ? "allowDomain" : "allowPublicComment", e => e.Value), null, input);
        });

        admin.MapPost("/domain-allows/{id:guid}/remove", async (Guid id, HttpContext http, DomainAllows allows) =>
        {
            if (await Forms.ReadAsync(http) is null)
            {
                return await Forms.ExpiredAsync(http);
            }

            var outcome = await allows.RemoveAsync(id, PolicyApi.Actor(http), http.RequestAborted);
            return outcome.Ok ? Results.Redirect("/admin/federation/policy?notice=domain-allow-removed") : Results.NotFound();
        });

        admin.MapPost("/domain-blocks/import", async (HttpContext http, Pages pages, BlocklistImport import) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var text = await PolicyApi.ReadUploadAsync(http);
            var report = text is null ? null : await import.ImportAsync(text, Forms.Checked(form, "dryRun"), PolicyApi.Actor(http), http.RequestAborted);
            return await pages.RenderAsync(http, "admin-domain-block-import", "Blocklist import", new { Report = report },
                report is null ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
        });

        admin.MapGet("/domain-blocks/export", async (string? format, PolicyStore store, CancellationToken ct) =>
        {
            var list = await store.ListBlocksAsync(ct);
            return format is BlocklistFormats.Json
                ? Results.File(BlocklistFormats.Utf8.GetBytes(BlocklistFormats.WriteGoToSocialJson(list)), "application/json", "domain_blocks.json")
                : Results.File(BlocklistFormats.Utf8.GetBytes(BlocklistFormats.WriteMastodonCsv(list)), "text/csv", "domain_blocks.csv");
        });
        return app;
    }

    private static async Task<IResult> OverviewAsync(HttpContext http, Pages pages, PolicyStore store, Dictionary<string, string> errors,
        DomainBlockInput? blockInput, DomainAllowInput? allowInput)
    {
        var ct = http.RequestAborted;
        var state = await store.StateAsync(ct);
        var now = DateTimeOffset.UtcNow;
        return await pages.RenderAsync(http, "admin-federation-policy", "Federation policy", new
        {
            state.Mode,
            Blocks = (await store.ListBlocksAsync(ct)).Select(View).ToList(),
            Allows = (await store.ListAllowsAsync(ct)).Select(a => new { a.Id, a.Domain, a.PublicComment, a.PrivateComment, a.Source, CreatedAt = a.CreatedAt.UtcDateTime }).ToList(),
            Log = (await store.ListLogAsync(LogRows, ct)).Select(l => new { At = l.At.UtcDateTime, l.Actor, l.Action, l.Domain, l.Detail }).ToList(),
            Errors = errors,
            Input = FormView(blockInput),
            Allow = new { Domain = allowInput?.Domain ?? "", PublicComment = allowInput?.PublicComment ?? "" },
            Now = now.UtcDateTime,
        }, errors.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }

    private static Task<IResult> EditAsync(HttpContext http, Pages pages, DomainBlock block, object input, Dictionary<string, string> errors) =>
        pages.RenderAsync(http, "admin-domain-block-edit", $"Block of {block.Domain}", new { Block = View(block), Input = input, Errors = errors },
            errors.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);

    private static object View(DomainBlock b) => new
    {
        b.Id, b.Domain, b.Severity, b.RejectMedia, b.RejectReports, b.Obfuscate, b.PublicComment, b.PrivateComment, b.Source,
        ExpiresAt = b.ExpiresAt?.UtcDateTime,
        Expired = b.ExpiresAt is { } e && e <= DateTimeOffset.UtcNow,
    };

    /// <summary>What the block form shows: what was typed, else the stored block, else the defaults (suspend).</summary>
    private static object FormView(DomainBlockInput? input, DomainBlock? block = null) => new
    {
        Domain = input?.Domain ?? block?.Domain ?? "",
        Severity = DomainBlocks.ParseSeverity(input?.Severity)?.Severity ?? block?.Severity ?? Severities.Suspend,
        RejectMedia = input?.RejectMedia ?? block?.RejectMedia ?? false,
        RejectReports = input?.RejectReports ?? block?.RejectReports ?? false,
        Obfuscate = input?.Obfuscate ?? block?.Obfuscate ?? false,
        PublicComment = input?.PublicComment ?? block?.PublicComment ?? "",
        PrivateComment = input?.PrivateComment ?? block?.PrivateComment ?? "",
        ExpiresAt = (input?.ExpiresAt ?? block?.ExpiresAt)?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "",
    };

    private static (DomainBlockInput Input, Dictionary<string, string> Errors) BlockForm(IFormCollection form)
    {
        var errors = new Dictionary<string, string>();
        DateTimeOffset? expires = null;
        var expiresText = (Forms.Value(form, "expiresAt") ?? "").Trim();
        if (expiresText.Length > 0)
        {
            if (DateTimeOffset.TryParse(expiresText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                expires = at;
            }
            else
            {
                errors["expiresAt"] = "Give the expiry as a date, or a date and time, such as 2027-01-31 or 2027-01-31 18:00; or leave it empty.";
            }
        }

        return (new DomainBlockInput
        {
            Domain = Forms.Value(form, "domain"),
            Severity = Forms.Value(form, "severity") ?? Severities.Suspend,
            RejectMedia = Forms.Checked(form, "rejectMedia"),
            RejectReports = Forms.Checked(form, "rejectReports"),
            Obfuscate = Forms.Checked(form, "obfuscate"),
            PublicComment = Forms.Value(form, "publicComment") ?? "",
            PrivateComment = Forms.Value(form, "privateComment") ?? "",
            ExpiresAt = expires,
        }, errors);
    }
}
