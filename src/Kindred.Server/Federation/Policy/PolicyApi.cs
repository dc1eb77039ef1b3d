using System.Text.Json;
using Kindred.Server.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kindred.Server.Federation.Policy;

public sealed record DomainBlockList(IReadOnlyList<DomainBlock> Items);

public sealed record DomainAllowList(IReadOnlyList<DomainAllow> Items);

/// <summary>The answer of GET /api/v1/admin/federation.</summary>
public sealed record FederationSettings(string Mode, int Blocks, int Allows, long Version);

/// <summary>The body of PUT /api/v1/admin/federation.</summary>
public sealed record FederationSettingsInput(string? Mode);

/// <summary>
/// The admin API of the federation policy: <c>/api/v1/admin/domain-blocks</c>, <c>/api/v1/admin/domain-allows</c> and
/// <c>/api/v1/admin/federation</c> (bearer tokens of admins). Bad input is a 400 validation problem naming the field.
/// </summary>
public static class PolicyApi
{
    public static IEndpointRouteBuilder MapPolicyApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/admin").RequireAuthorization(Policies.ApiAdmin);

        api.MapGet("/federation", async (PolicyStore store, CancellationToken ct) => TypedResults.Ok(await SettingsAsync(store, ct)));
        api.MapPut("/federation", async Task<Results<Ok<FederationSettings>, ValidationProblem>> (HttpContext http, JsonElement body, DomainAllows allows, PolicyStore store) =>
        {
            var errors = new Dictionary<string, string>();
            var mode = body.ValueKind == JsonValueKind.Object ? PolicyInput.Text(body, "mode", errors) : null;
            var outcome = errors.Count > 0 ? Outcome<string>.Invalid(errors) : await allows.SetModeAsync(mode, Actor(http), http.RequestAborted);
            return outcome.Ok ? TypedResults.Ok(await SettingsAsync(store, http.RequestAborted)) : ApiProblems.Validation(outcome);
        });

        var blocks = api.MapGroup("/domain-blocks");
        blocks.MapGet("", async (PolicyStore store, CancellationToken ct) => TypedResults.Ok(new DomainBlockList(await store.ListBlocksAsync(ct))));
        blocks.MapGet("/{id:guid}", async Task<Results<Ok<DomainBlock>, ProblemHttpResult>> (Guid id, PolicyStore store, CancellationToken ct) =>
            await store.FindBlockAsync(id, ct) is { } b ? TypedResults.Ok(b) : ApiProblems.NotFound());
        blocks.MapPost("", async Task<IResult> (HttpContext http, JsonElement body, DomainBlocks ops) =>
        {
            var (input, errors) = PolicyInput.Block(body);
            var outcome = errors.Count > 0 ? Outcome<DomainBlock>.Invalid(errors) : await ops.AddAsync(input, Actor(http), http.RequestAborted);
            return outcome.Ok ? TypedResults.Created($"/api/v1/admin/domain-blocks/{outcome.Value!.Id}", outcome.Value) : Fail(outcome);
        });
        blocks.MapPost("/preview", async Task<Results<Ok<BlockImpact>, ValidationProblem>> (JsonElement body, ImpactPreview preview, CancellationToken ct) =>
        {
            var errors = new Dictionary<string, string>();
            var raw = body.ValueKind == JsonValueKind.Object ? PolicyInput.Text(body, "domain", errors) : null;
            var (domain, problem) = DomainPattern.Normalize(raw);
            if (problem is not null && !errors.ContainsKey("domain"))
            {
                errors["domain"] = problem;
            }

            return errors.Count > 0 ? ApiProblems.Validation(Outcome<bool>.Invalid(errors)) : TypedResults.Ok(await preview.PreviewAsync(domain!, ct));
        });
        blocks.MapMethods("/{id:guid}", ["PATCH"], async Task<IResult> (Guid id, HttpContext http, JsonElement body, DomainBlocks ops) =>
        {
            var (input, errors) = PolicyInput.Block(body);
            var outcome = errors.Count > 0 ? Outcome<DomainBlock>.Invalid(errors) : await ops.UpdateAsync(id, input, Actor(http), http.RequestAborted);
            return outcome.Ok ? TypedResults.Ok(outcome.Value!) : Fail(outcome);
        });
        blocks.MapDelete("/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (Guid id, HttpContext http, DomainBlocks ops) =>
        {
            var outcome = await ops.RemoveAsync(id, Actor(http), http.RequestAborted);
            return outcome.Ok ? TypedResults.NoContent() : ApiProblems.Problem(outcome);
        });
        blocks.MapGet("/export", async (string? format, PolicyStore store, CancellationToken ct) =>
        {
            var list = await store.ListBlocksAsync(ct);
            return format is BlocklistFormats.Json
                ? Results.File(BlocklistFormats.Utf8.GetBytes(BlocklistFormats.WriteGoToSocialJson(list)), "application/json", "domain_blocks.json")
                : Results.File(BlocklistFormats.Utf8.GetBytes(BlocklistFormats.WriteMastodonCsv(list)), "text/csv", "domain_blocks.csv");
        });
        blocks.MapPost("/import", async Task<Results<Ok<ImportReport>, ValidationProblem>> (HttpContext http, bool? dryRun, BlocklistImport import) =>
        {
            var text = await ReadUploadAsync(http);
            if (text is null)
            {
                return ApiProblems.Validation(Outcome<bool>.Invalid("file", "Send the list as a multipart form field named file (Mastodon CSV or GoToSocial JSON)."));
            }

            return TypedResults.Ok(await import.ImportAsync(text, dryRun ?? false, Actor(http), http.RequestAborted));
        });

        var allowsApi = api.MapGroup("/domain-allows");
        allowsApi.MapGet("", async (PolicyStore store, CancellationToken ct) => TypedResults.Ok(new DomainAllowList(await store.ListAllowsAsync(ct))));
        allowsApi.MapGet("/{id:guid}", async Task<Results<Ok<DomainAllow>, ProblemHttpResult>> (Guid id, PolicyStore store, CancellationToken ct) =>
            await store.FindAllowAsync(id, ct) is { } a ? TypedResults.Ok(a) : ApiProblems.NotFound());
        allowsApi.MapPost("", async Task<IResult> (HttpContext http, JsonElement body, DomainAllows ops) =>
        {
            var (input, errors) = PolicyInput.Allow(body);
            var outcome = errors.Count > 0 ? Outcome<DomainAllow>.Invalid(errors) : await ops.AddAsync(input, Actor(http), http.RequestAborted);
            return outcome.Ok ? TypedResults.Created($"/api/v1/admin/domain-allows/{outcome.Value!.Id}", outcome.Value) : Fail(outcome);
        });
        allowsApi.MapMethods("/{id:guid}", ["PATCH"], async Task<IResult> (Guid id, HttpContext http, JsonElement body, DomainAllows ops) =>
        {
            var (input, errors) = PolicyInput.Allow(body);
            var outcome = errors.Count > 0 ? Outcome<DomainAllow>.Invalid(errors) : await ops.UpdateAsync(id, input, Actor(http), http.RequestAborted);
            return outcome.Ok ? TypedResults.Ok(outcome.Value!) : Fail(outcome);
        });
        allowsApi.MapDelete("/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (Guid id, HttpContext http, DomainAllows ops) =>
        {
            var outcome = await ops.RemoveAsync(id, Actor(http), http.RequestAborted);
            return outcome.Ok ? TypedResults.NoContent() : ApiProblems.Problem(outcome);
        });
        return app;
    }

    /// <summary>Who made a change, for the policy log.</summary>
    public static string Actor(HttpContext http) => http.User.Identity?.Name ?? "admin";

    private static async Task<FederationSettings> SettingsAsync(PolicyStore store, CancellationToken ct)
    {
        var state = await store.StateAsync(ct);
        return new FederationSettings(state.Mode, (await store.ListBlocksAsync(ct)).Count, (await store.ListAllowsAsync(ct)).Count, state.Version);
    }

    private static IResult Fail<T>(Outcome<T> o) =>
        o.Failure == Failure.Invalid ? ApiProblems.Validation(o) : ApiProblems.Problem(o);

    /// <summary>The uploaded list: the multipart field <c>file</c>, or a CSV/JSON body sent as is.</summary>
    public static async Task<string?> ReadUploadAsync(HttpContext http)
    {
        const int max = 16 * 1024 * 1024;
        if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            if (form.Files.GetFile("file") is not { Length: > 0 and <= max } file)
            {
                return null;
            }

            using var reader = new StreamReader(file.OpenReadStream(), BlocklistFormats.Utf8);
            return await reader.ReadToEndAsync(http.RequestAborted);
        }

        if (http.Request.ContentType is { } type && (type.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || type.Contains("json", StringComparison.OrdinalIgnoreCase)))
        {
            using var reader = new StreamReader(http.Request.Body, BlocklistFormats.Utf8);
            var text = await reader.ReadToEndAsync(http.RequestAborted);
            return text.Length is > 0 and <= max ? text : null;
        }

        return null;
    }
}
