namespace Kindred.Server.Web;

/// <summary>Instance roles of an account.</summary>
public static class Roles
{
    public const string Member = "member";
    public const string Moderator = "moderator";
    public const string Admin = "admin";
    public static readonly string[] All = [Member, Moderator, Admin];
}
