using System.ComponentModel;
using Kindred.Server.Configuration;
using Microsoft.AspNetCore.Http.HttpResults;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Accounts;

/// <summary>The accounts part of the JSON API: tokens, registration, the current account.</summary>
public static class AccountApi
{
    public sealed record TokenRequest(string? Username, string? Password);

    public sealed record TokenResponse(
        [property: System.Text.Json.Serialization.JsonPropertyName("access_token")] string AccessToken,
        [property: System.Text.Json.Serialization.JsonPropertyName("token_type")] string TokenType,
        [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int ExpiresIn);

    public sealed record RegisterRequest(
        string? Username,
        string? Email,
        string? Password,
        bool AcceptGuidelines,
        bool ConsentToProcessing,
        [property: Description("Confirms the minimum age the instance requires (Kindred:Registration:MinimumAge).")] bool ConfirmAge,
        string? InviteCode,
        [property: Description("Why you would like to join (shown to admins when registrations need approval).")] string? Reason);

    public sealed record AccountResponse(
        Guid Id,
        string Username,
        string Email,
        string Role,
        string Status,
        DateTimeOffset CreatedAt,
        string GuidelinesVersion,
        DateTimeOffset GuidelinesAcceptedAt,
        string ConsentVersion,
        DateTimeOffset ConsentGivenAt)
    {
        public static AccountResponse From(User u) => new(u.Id, u.Username, u.Email, u.Role, u.Status, u.CreatedAt,
            u.GuidelinesVersion, u.GuidelinesAcceptedAt, u.ConsentVersion, u.ConsentGivenAt);
    }

    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Accounts").DisableAntiforgery();

        api.MapPost("/auth/token", async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> (TokenRequest body, SignIn signIn, AccessTokens tokens, HttpContext http) =>
        {
            var result = await signIn.CheckAsync(body.Username, body.Password, http.Connection.RemoteIpAddress, http.RequestAborted);
            return result.Outcome switch
            {
                SignInOutcome.Success => Ok(tokens.Issue(result.User!)),
                SignInOutcome.Throttled => TooManyRequests.Problem(http, result.RetryAfter ?? TimeSpan.FromMinutes(1), SignIn.Describe(result)),
                SignInOutcome.AwaitingApproval or SignInOutcome.Suspended =>
                    TypedResults.Problem(title: "Account not active", detail: SignIn.Describe(result), statusCode: StatusCodes.Status403Forbidden),
                SignInOutcome.Declined =>
                    TypedResults.Problem(title: "Registration declined", detail: SignIn.Describe(result), statusCode: StatusCodes.Status403Forbidden),
                _ => TypedResults.Problem(title: "Invalid credentials", detail: SignIn.Describe(result), statusCode: StatusCodes.Status401Unauthorized),
            };

            static Ok<TokenResponse> Ok((string Token, int ExpiresIn) t) => TypedResults.Ok(new TokenResponse(t.Token, "Bearer", t.ExpiresIn));
        }).RequireRateLimiting(Policies.SignInRateLimit).WithSummary("Exchange a username and password for a bearer token");

        api.MapPost("/accounts", async Task<Results<Created<AccountResponse>, Accepted<AccountResponse>, ValidationProblem, ProblemHttpResult>> (RegisterRequest body, Registration registration, HttpContext http) =>
        {
            var result = await registration.RegisterAsync(new RegistrationRequest(body.Username, body.Email, body.Password,
                body.AcceptGuidelines, body.ConsentToProcessing, body.ConfirmAge, body.InviteCode, body.Reason), http.RequestAborted);
            return result.Outcome switch
            {
                RegistrationOutcome.Active => TypedResults.Created("/api/v1/accounts/me", AccountResponse.From(result.User!)),
                RegistrationOutcome.AwaitingApproval => TypedResults.Accepted((string?)null, AccountResponse.From(result.User!)),
                RegistrationOutcome.Closed => TypedResults.Problem(title: "Registration is closed",
                    detail: "This instance is not accepting new accounts at the moment.", statusCode: StatusCodes.Status403Forbidden),
                _ => TypedResults.ValidationProblem(result.Errors.ToDictionary(e => e.Key, e => new[] { e.Value }),
                    title: "Please correct the highlighted fields"),
            };
        }).RequireRateLimiting(Policies.SignInRateLimit).WithSummary("Register an account");

        api.MapGet("/accounts/me", async Task<Results<Ok<AccountResponse>, NotFound>> (HttpContext http, UserStore users) =>
        {
            var user = await users.FindByIdAsync(RequestContext.UserId(http.User), http.RequestAborted);
            return user is null ? TypedResults.NotFound() : TypedResults.Ok(AccountResponse.From(user));
        }).RequireAuthorization(Policies.Api).WithSummary("The signed-in account");

        return app;
    }
}
