using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kindred.Server.Web;

/// <summary>A page of a list: <c>next</c> is the address of the following page, or null on the last one.</summary>
public sealed record ListResponse<T>(IReadOnlyList<T> Items, [property: Description("Address of the next page; null on the last page.")] string? Next);

/// <summary>Maps operation outcomes to RFC 9457 problem details.</summary>
public static class ApiProblems
{
    public static ProblemHttpResult Problem<T>(Outcome<T> o) => TypedResults.Problem(
        title: o.Failure switch
        {
            Failure.Forbidden => "Not allowed",
            Failure.NotFound => "Not found",
            Failure.Conflict => "Conflict",
            Failure.Unreachable => "Other server unreachable",
            _ => "Invalid request",
        },
        detail: o.Message,
        statusCode: o.Failure switch
        {
            Failure.Forbidden => StatusCodes.Status403Forbidden,
            Failure.NotFound => StatusCodes.Status404NotFound,
            Failure.Conflict => StatusCodes.Status409Conflict,
            Failure.Unreachable => StatusCodes.Status502BadGateway,
            _ => StatusCodes.Status400BadRequest,
        });

    public static ValidationProblem Validation<T>(Outcome<T> o) =>
        TypedResults.ValidationProblem(o.Errors.ToDictionary(e => e.Key, e => new[] { e.Value }), title: "Please correct the highlighted fields");

    public static ProblemHttpResult NotFound() => Problem(Outcome<bool>.NotFound());
}
