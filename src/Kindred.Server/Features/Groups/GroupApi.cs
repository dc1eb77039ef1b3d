using Kindred.Server.Content;
using Kindred.Server.Configuration;
using Microsoft.AspNetCore.Http.HttpResults;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Groups;

/// <summary>The groups part of the JSON API: groups, membership, members and the join queue.</summary>
public static class GroupApi
{
    public static IEndpointRouteBuilder MapGroupApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/groups").WithTags("Groups").DisableAntiforgery().RequireAuthorization(Policies.Api);

        api.MapGet("", async Task<Ok<ListResponse<GroupResponse>>> (HttpContext http, GroupQueries groups, SafeHtml safe, bool? mine, string? after) =>
        {
            var page = mine == true
                ? await groups.ListMineAsync(http.Viewer(), after, ct: http.RequestAborted)
                : await groups.ListVisibleAsync(http.Viewer(), after, ct: http.RequestAborted);
            var next = page.Next is null ? null : $"{http.Origin()}/api/v1/groups?{(mine == true ? "mine=true&" : "")}after={Uri.EscapeDataString(page.Next)}";
            return TypedResults.Ok(new ListResponse<GroupResponse>(page.Items.Select(g => GroupResponse.From(g, safe, http.Origin())).ToList(), next));
        }).WithName("ListGroups").WithSummary("Groups you can read (mine=true: the groups you belong to), alphabetically");

        api.MapPost("", async Task<Results<Created<GroupResponse>, ValidationProblem, ProblemHttpResult>> (GroupRequest body, HttpContext http,
            CreateGroup create, GroupQueries groups, SafeHtml safe) =>
        {
            var result = await create.RunAsync(http.Viewer(), body.ToFields(), http.RequestAborted);
            if (result.Failure == Failure.Invalid)
            {
                return ApiProblems.Validation(result);
            }

            if (!result.Ok)
            {
                return ApiProblems.Problem(result);
            }

            var view = (await groups.FindAsync(result.Value!.Slug, http.Viewer(), http.RequestAborted))!;
            var response = GroupResponse.From(view, safe, http.Origin());
            return TypedResults.Created(response.Url, response);
        }).WithName("CreateGroup").WithSummary("Open a group (admins; members too when Kindred:Groups:MembersCanCreate is on)");

        api.MapGet("/{slug}", async Task<Results<Ok<GroupResponse>, ProblemHttpResult>> (string slug, HttpContext http, GroupQueries groups, SafeHtml safe) =>
        {
            var group = await groups.FindAsync(slug, http.Viewer(), http.RequestAborted);
            return group is null ? ApiProblems.NotFound() : TypedResults.Ok(GroupResponse.From(group, safe, http.Origin()));
        }).WithName("GetGroup").WithSummary("One group; members-only groups answer 404 to people outside them");

        api.MapPatch("/{slug}", async Task<Results<Ok<GroupResponse>, ValidationProblem, ProblemHttpResult>> (string slug, GroupRequest body,
            HttpContext http, UpdateGroup update, SafeHtml safe) =>
        {
            var result = await update.RunAsync(slug, http.Viewer(), body.ToFields(), http.RequestAborted);
            if (result.Failure == Failure.Invalid)
            {
                return ApiProblems.Validation(result);
            }

            return result.Ok ? TypedResults.Ok(GroupResponse.From(result.Value!, safe, http.Origin())) : ApiProblems.Problem(result);
        }).WithName("UpdateGroup").WithSummary("Change a group's settings (owner); fields left out keep their value");

        api.MapPost("/{slug}/membership", async Task<Results<Created<MembershipResponse>, Accepted<MembershipResponse>, ValidationProblem, ProblemHttpResult>> (
            string slug, JoinBody? body, HttpContext http, Membership membership, RemoteMembership remote) =>
        {
            // name@host: a group on another server, joined by Follow (answered later: 202 until it accepts).
            var result = RemoteGroupAddress.IsRemote(slug)
                ? await remote.JoinAsync(slug, http.Viewer(), http.RequestAborted)
                : await membership.JoinAsync(slug, http.Viewer(), body?.Answer, http.RequestAborted);
            if (result.Failure == Failure.Invalid)
            {
                return ApiProblems.Validation(result);
            }

            if (!result.Ok)
            {
                return ApiProblems.Problem(result);
            }

            return result.Value == JoinResult.Joined
                ? TypedResults.Created($"{http.Origin()}/api/v1/groups/{slug}/membership", new MembershipResponse("joined"))
                : TypedResults.Accepted($"{http.Origin()}/api/v1/groups/{slug}/membership", new MembershipResponse("pending"));
        }).WithName("JoinGroup").WithSummary("Join (201) or ask to join (202: approval groups, and groups on other servers by name@host)");

        api.MapGet("/{slug}/membership", async Task<Results<Ok<MembershipResponse>, ProblemHttpResult>> (string slug, HttpContext http,
            GroupQueries groups, RemoteMembership remote) =>
        {
            if (RemoteGroupAddress.IsRemote(slug))
            {
                var state = await remote.StatusAsync(slug, http.Viewer(), http.RequestAborted);
                return state.Ok ? TypedResults.Ok(new MembershipResponse(state.Value!)) : ApiProblems.Problem(state);
            }

            var group = await groups.FindAsync(slug, http.Viewer(), http.RequestAborted);
            return group switch
            {
                { IsMember: true } => TypedResults.Ok(new MembershipResponse("joined")),
                { ViewerRequest: "request" } => TypedResults.Ok(new MembershipResponse("pending")),
                _ => ApiProblems.NotFound(),
            };
        }).WithName("GetMembership").WithSummary("Your membership: joined, pending or rejected; 404 when you have not asked to join");

        api.MapDelete("/{slug}/membership", async Task<Results<NoContent, ProblemHttpResult>> (string slug, HttpContext http, Membership membership, RemoteMembership remote) =>
        {
            var result = RemoteGroupAddress.IsRemote(slug)
                ? await remote.LeaveAsync(slug, http.Viewer(), http.RequestAborted)
                : await membership.LeaveAsync(slug, http.Viewer(), http.RequestAborted);
            return result.Ok ? TypedResults.NoContent() : ApiProblems.Problem(result);
        }).WithName("LeaveGroup").WithSummary("Leave a group or withdraw a join request (groups on other servers: Undo(Follow))");

        api.MapGet("/{slug}/members", async Task<Results<Ok<ListResponse<MemberResponse>>, ProblemHttpResult>> (string slug, string? after,
            HttpContext http, Members members) =>
        {
            var result = await members.ListAsync(slug, http.Viewer(), after, ct: http.RequestAborted);
            return result.Ok
                ? TypedResults.Ok(new ListResponse<MemberResponse>(result.Value!.Items.Select(MemberResponse.From).ToList(), http.NextUrl(result.Value.Next, "after")))
                : ApiProblems.Problem(result);
        }).WithName("ListMembers").WithSummary("The group's members with their roles and labels (members only)");

        api.MapPatch("/{slug}/members/{username}", async Task<Results<Ok<MemberResponse>, ValidationProblem, ProblemHttpResult>> (string slug,
            string username, MemberUpdate body, HttpContext http, Members members) =>
        {
            var result = await members.SetRoleAsync(slug, http.Viewer(), username, body.Role, body.Label, http.RequestAborted);
            if (result.Failure == Failure.Invalid)
            {
                return ApiProblems.Validation(result);
            }

            return result.Ok ? TypedResults.Ok(MemberResponse.From(result.Value!)) : ApiProblems.Problem(result);
        }).WithName("UpdateMember").WithSummary("Change a member's role or peer-supporter/staff label (owner)");

        api.MapGet("/{slug}/join-requests", async Task<Results<Ok<ListResponse<JoinRequestResponse>>, ProblemHttpResult>> (string slug, string? after,
            HttpContext http, JoinQueue queue) =>
        {
            var result = await queue.ListAsync(slug, http.Viewer(), after, ct: http.RequestAborted);
            return result.Ok
                ? TypedResults.Ok(new ListResponse<JoinRequestResponse>(result.Value!.Items.Select(JoinRequestResponse.From).ToList(), http.NextUrl(result.Value.Next, "after")))
                : ApiProblems.Problem(result);
        }).WithName("ListJoinRequests").WithSummary("Join requests waiting for a decision, oldest first (moderators)");

        api.MapPost("/{slug}/join-requests/{id:guid}/approve", (string slug, Guid id, HttpContext http, JoinQueue queue) =>
            Decide(slug, id, approve: true, http, queue)).WithName("ApproveJoinRequest").WithSummary("Let someone in (moderators)");

        api.MapPost("/{slug}/join-requests/{id:guid}/decline", (string slug, Guid id, HttpContext http, JoinQueue queue) =>
            Decide(slug, id, approve: false, http, queue)).WithName("DeclineJoinRequest").WithSummary("Decline a join request (moderators)");

        api.MapPost("/{slug}/invitations", async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> (string slug, InviteBody body,
            HttpContext http, JoinQueue queue) =>
        {
            var result = await queue.InviteAsync(slug, http.Viewer(), body.Username, http.RequestAborted);
            if (result.Failure == Failure.Invalid)
            {
                return ApiProblems.Validation(result);
            }

            return result.Ok ? TypedResults.NoContent() : ApiProblems.Problem(result);
        }).WithName("InviteToGroup").WithSummary("Invite someone by username (moderators); they join when they choose to");

        return app;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Decide(string slug, Guid id, bool approve, HttpContext http, JoinQueue queue)
    {
        var result = await queue.DecideAsync(slug, http.Viewer(), id, approve, http.RequestAborted);
        return result.Ok ? TypedResults.NoContent() : ApiProblems.Problem(result);
    }
}
