using Kindred.Server.Theming;

namespace Kindred.Server.Web;

/// <summary>The page a browser gets when an operation did not happen: the same outcome the API answers with problem details.</summary>
public static class FailurePages
{
    public static Task<IResult> FailureAsync<T>(HttpContext http, Pages pages, Outcome<T> o)
    {
        var (status, heading) = o.Failure switch
        {
            Failure.Forbidden => (StatusCodes.Status403Forbidden, "You cannot do this here"),
            Failure.Conflict => (StatusCodes.Status409Conflict, "That did not work"),
            Failure.Invalid => (StatusCodes.Status400BadRequest, "Please check what you sent"),
            Failure.Unreachable => (StatusCodes.Status502BadGateway, "The other server did not answer"),
            _ => (StatusCodes.Status404NotFound, "Page not found"),
        };
        return pages.RenderAsync(http, "error", heading, new { Heading = heading, Message = o.Message ?? "Nothing was changed." }, status);
    }

    public static Task<IResult> NotFoundAsync(HttpContext http, Pages pages) => FailureAsync(http, pages, Outcome<bool>.NotFound());
}
