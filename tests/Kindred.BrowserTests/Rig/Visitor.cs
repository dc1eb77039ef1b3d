namespace Kindred.BrowserTests.Rig;

/// <summary>Who is looking at a page.</summary>
public enum Visitor
{
    SignedOut,
    Member,
    Admin,
}

/// <summary>Who may open a page: everyone, signed-in members (admins too), or admins only.</summary>
public enum Audience
{
    Anyone,
    Members,
    Admins,
}

public static class AudienceExtensions
{
    public static bool Admits(this Audience audience, Visitor visitor) => audience switch
    {
        Audience.Anyone => true,
        Audience.Members => visitor != Visitor.SignedOut,
        Audience.Admins => visitor == Visitor.Admin,
        _ => false,
    };
}
