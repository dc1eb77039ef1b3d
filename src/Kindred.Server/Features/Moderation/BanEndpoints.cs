using System.ComponentModel;
using System.Globalization;
using Kindred.Server.Features.Groups;
using Kindred.Server.Theming;
using Kindred.Server.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kindred.Server.Features.Moderation;

public sealed record BanRequest(
    [property: Description("Their username here, or name@host for a member on another server.")] string? Member,
    [property: Description("Why (up to 500 characters); the log keeps it and the member is told.")] string? Reason,
    [property: Description("When the ban ends; null: no end.")] DateTimeOffset? ExpiresAt,
    [property: Description("Also remove everything they wrote in the group (Lemmy's removeData). Default false.")] bool? RemoveContent);

public sealed record BanResponse(string Member, [property: Description("True for someone on another server.")] bool Remote, string? Reason,
    DateTimeOffset? ExpiresAt, bool RemoveContent, DateTimeOffset CreatedAt)
{
    public static BanResponse From(BanView b) => new(b.Name, b.ActorId is not null, b.Reason, b.ExpiresAt, b.RemoveContent, b.CreatedAt);
}

public sealed record RemoveMemberRequest([property: Description("Optional; the member is told.")] string? Reason);

/// <summary>Bans and removing members: the API and the moderators' pages (no JavaScript).</summary>
public static class BanEndpoints
{
    public static IEndpointRouteBuilder MapBans(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/groups/{slug}").WithTags("Moderation").DisableAntiforgery().RequireAuthorization(Policies.Api);

        api.MapPost("/bans", async Task<Results<Created<BanResponse>, ValidationProblem, ProblemHttpResult>> (string slug, BanRequest body, HttpContext http, GroupBans bans) =>
        {
            var result = await bans.BanAsync(slug, http.Viewer(), new GroupBans.BanInput(body.Member, body.Reason, body.ExpiresAt, body.RemoveContent ?? false), http.RequestAborted);
            if (result.Failure == Failure.Invalid)
            {
                return ApiProblems.Validation(result);
            }

            return result.Ok
                ? TypedResults.Created($"{http.Origin()}/api/v1/groups/{slug}/bans", BanResponse.From(result.Value!))
                : ApiProblems.Problem(result);
        }).WithName("BanMember").WithSummary("Ban a member, here or on another server (moderators); sent as the group's Block");

        api.MapGet("/bans", async Task<Results<Ok<ListResponse<BanResponse>>, ProblemHttpResult>> (string slug, string? before, HttpContext http, GroupBans bans) =>
        {
            var result = await bans.ListAsync(slug, http.Viewer(), before, ct: http.RequestAborted);
            return result.Ok
                ? TypedResults.Ok(new ListResponse<BanResponse>(result.Value!.Items.Select(BanResponse.From).ToList(), http.NextUrl(result.Value.Next, "before")))
                : ApiProblems.Problem(result);
        }).WithName("ListBans").WithSummary("Bans in force, newest first (moderators)");

        api.MapDelete("/bans/{member}", async Task<Results<NoContent, ProblemHttpResult>> (string slug, string member, HttpContext http, GroupBans bans) =>
        {
            var result = await bans.UnbanAsync(slug, http.Viewer(), member, http.RequestAborted);
            return result.Ok ? TypedResults.NoContent() : ApiProblems.Problem(result);
        }).WithName("LiftBan").WithSummary("Lift a ban (moderators); sent as Undo(Block)");

        api.MapDelete("/members/{member}", async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> (string slug, string member, string? reason,
            HttpContext http, GroupBans bans) =>
        {
            var result = await bans.RemoveMemberAsync(slug, http.Viewer(), member, reason, http.RequestAborted);
            if (result.Failure == Failure.Invalid)
            {
                return ApiProblems.Validation(result);
            }

            return result.Ok ? TypedResults.NoContent() : ApiProblems.Problem(result);
        }).WithName("RemoveMember").WithSummary("Remove a member without banning them (moderators); they may ask to join again");

        var web = app.MapGroup("/groups/{slug}").RequireAuthorization().ExcludeFromDescription();

        web.MapGet("/members/{member}/ban", async (string slug, string member, HttpContext http, Pages pages, GroupBans bans) =>
        {
            var found = await bans.ModeratedGroupAsync(slug, http.Viewer(), "ban members", http.RequestAborted);
            return found.Ok
                ? await BanPage(http, pages, found.Value!, member, new { Reason = "", Days = "", RemoveContent = false }, new Dictionary<string, string>())
                : await FailurePages.FailureAsync(http, pages, found);
        });

        web.MapPost("/members/{member}/ban", async (string slug, string member, HttpContext http, Pages pages, GroupBans bans, TimeProvider time) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var reason = Forms.Value(form, "reason");
            var days = Forms.Value(form, "days");
            var removeContent = Forms.Checked(form, "removeContent");
            DateTimeOffset? until = null;
            var errors = new Dictionary<string, string>();
            if (!string.IsNullOrWhiteSpace(days))
            {
                if (int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d is >= 1 and <= 3650)
                {
                    until = time.GetUtcNow().AddDays(d);
                }
                else
                {
                    errors["expiresAt"] = "Give the length in whole days, from 1 to 3650, or leave it empty.";
                }
            }

            var result = errors.Count == 0
                ? await bans.BanAsync(slug, http.Viewer(), new GroupBans.BanInput(member, reason, until, removeContent), http.RequestAborted)
                : Outcome<BanView>.Invalid(errors);
            if (result.Ok)
            {
                return Results.Redirect($"/groups/{slug.ToLowerInvariant()}/bans?notice=member-banned");
            }

            var found = await bans.ModeratedGroupAsync(slug, http.Viewer(), "ban members", http.RequestAborted);
            return result.Failure == Failure.Invalid && found.Ok
                ? await BanPage(http, pages, found.Value!, member, new { Reason = reason ?? "", Days = days ?? "", RemoveContent = removeContent }, result.Errors,
                    StatusCodes.Status400BadRequest)
                : await FailurePages.FailureAsync(http, pages, result);
        });

        web.MapPost("/members/{member}/remove", async (string slug, string member, HttpContext http, Pages pages, GroupBans bans) =>
        {
            if (await Forms.ReadAsync(http) is null)
            {
                return await Forms.ExpiredAsync(http);
            }

            var result = await bans.RemoveMemberAsync(slug, http.Viewer(), member, null, http.RequestAborted);
            return result.Ok ? Results.Redirect($"/groups/{slug.ToLowerInvariant()}/members?notice=member-removed") : await FailurePages.FailureAsync(http, pages, result);
        });

        web.MapGet("/bans", async (string slug, string? before, HttpContext http, Pages pages, GroupBans bans) =>
        {
            var found = await bans.ModeratedGroupAsync(slug, http.Viewer(), "see the bans", http.RequestAborted);
            var list = found.Ok ? await bans.ListAsync(slug, http.Viewer(), before, ct: http.RequestAborted) : null;
            if (list is not { Ok: true })
            {
                return await FailurePages.FailureAsync(http, pages, found.Ok ? list! : found.As<Web.Page<BanView>>());
            }

            var g = found.Value!;
            return await pages.RenderAsync(http, "group-bans", $"Bans in {g.Name}", new
            {
                Group = new { g.Name, Url = $"/groups/{g.Slug.ToLowerInvariant()}" },
                Bans = list.Value!.Items.Select(b => new
                {
                    b.Name,
                    b.Reason,
                    CreatedAt = b.CreatedAt.UtcDateTime,
                    ExpiresAt = b.ExpiresAt?.UtcDateTime,
                    Key = Uri.EscapeDataString(b.Name.ToLowerInvariant()),
                }).ToList(),
                Next = WebViews.NextLink(http, list.Value.Next, "before"),
            });
        });

        web.MapPost("/bans/{member}/lift", async (string slug, string member, HttpContext http, Pages pages, GroupBans bans) =>
        {
            if (await Forms.ReadAsync(http) is null)
            {
                return await Forms.ExpiredAsync(http);
            }

            var result = await bans.UnbanAsync(slug, http.Viewer(), member, http.RequestAborted);
            return result.Ok ? Results.Redirect($"/groups/{slug.ToLowerInvariant()}/bans?notice=ban-lifted") : await FailurePages.FailureAsync(http, pages, result);
        });

        return app;
    }

    private static Task<IResult> BanPage(HttpContext http, Pages pages, GroupView g, string member, object values, IReadOnlyDictionary<string, string> errors, int status = 200)
    {
        var url = $"/groups/{g.Slug.ToLowerInvariant()}";
        var key = Uri.EscapeDataString(member.ToLowerInvariant());
        return pages.RenderAsync(http, "member-ban", $"Ban or remove {member}", new
        {
            Member = member,
            IsRemote = member.Contains('@', StringComparison.Ordinal),
            GroupUrl = url,
            Action = $"{url}/members/{key}/ban",
            RemoveAction = $"{url}/members/{key}/remove",
            Values = values,
            Errors = errors.ToDictionary(e => e.Key, e => e.Value),
        }, status);
    }
}
