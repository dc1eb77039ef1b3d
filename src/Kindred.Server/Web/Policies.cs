namespace Kindred.Server.Web;

/// <summary>Names of the authorisation policies and rate limits endpoints ask for; Hosting defines what they mean.</summary>
public static class Policies
{
    /// <summary>A signed-in account, by bearer token or cookie (the JSON API).</summary>
    public const string Api = "api";

    /// <summary>An admin signed in on the web.</summary>
    public const string Admin = "admin";

    /// <summary>An admin, by bearer token or cookie.</summary>
    public const string ApiAdmin = "api-admin";

    /// <summary>The sign-in and registration rate limit.</summary>
    public const string SignInRateLimit = "sign-in";
}
