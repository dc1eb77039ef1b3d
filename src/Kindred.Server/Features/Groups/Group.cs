using Kindred.Server.Web;
namespace Kindred.Server.Features.Groups;

public static class GroupRoles
{
    public const string Owner = "owner";
    public const string Moderator = "moderator";
    public const string Member = "member";
    public static readonly string[] All = [Owner, Moderator, Member];

    /// <summary>Moderators and owners look after a group: join queue, pins, locks.</summary>
    public static bool CanModerate(string? role) => role is Owner or Moderator;
}

public static class MemberLabels
{
    public const string PeerSupporter = "peer_supporter";
    public const string Staff = "staff";
    public static readonly string[] All = [PeerSupporter, Staff];

    public static string? Describe(string? label) => label switch
    {
        PeerSupporter => "Peer supporter",
        Staff => "Staff",
        _ => null,
    };
}

/// <summary>A group as stored. Rows map to init properties (see CONTRIBUTING: SQLite and PostgreSQL return different types).</summary>
public sealed record Group
{
    public const string Public = "public";
    public const string MembersOnly = "members";
    public const string Open = "open";
    public const string Approval = "approval";
    public const string Invite = "invite";
    public const string Federated = "federated";
    public const string LocalOnly = "local";

    public static readonly string[] Visibilities = [Public, MembersOnly];
    public static readonly string[] JoinPolicies = [Open, Approval, Invite];
    public static readonly string[] Federations = [Federated, LocalOnly];

    public Guid Id { get; init; }
    public string Slug { get; init; } = "";
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    public string Rules { get; init; } = "";
    public string Visibility { get; init; } = Public;
    public string JoinPolicy { get; init; } = Open;
    public string? JoinQuestion { get; init; }
    public string Federation { get; init; } = LocalOnly;
    public Guid CreatedBy { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>A group as one person sees it: their role in it (if any), a pending request or invitation, the member count.</summary>
public sealed record GroupView
{
    public Guid Id { get; init; }
    public string Slug { get; init; } = "";
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    public string Rules { get; init; } = "";
    public string Visibility { get; init; } = Group.Public;
    public string JoinPolicy { get; init; } = Group.Open;
    public string? JoinQuestion { get; init; }
    public string Federation { get; init; } = Group.LocalOnly;
    public DateTimeOffset CreatedAt { get; init; }
    public long MemberCount { get; init; }
    public string? ViewerRole { get; init; }
    public string? ViewerLabel { get; init; }

    /// <summary>'request' (waiting for a moderator) or 'invite' (a moderator invited the viewer), else null.</summary>
    public string? ViewerRequest { get; init; }

    /// <summary>'local', or the host of a group whose home is another server (its slug is then <c>name@host</c>).</summary>
    public string Origin { get; init; } = "local";

    /// <summary>For a remote group: pending, joined or rejected (the group's answer to the viewer's Follow), else null.</summary>
    public string? ViewerRemoteState { get; init; }

    /// <summary>For a remote group: when its server first answered that the group no longer exists (404/410), else null.</summary>
    public DateTimeOffset? GoneAt { get; init; }

    public bool IsRemote => Origin != "local";
    public bool IsMember => ViewerRole is not null;
    public bool CanModerate => GroupRoles.CanModerate(ViewerRole);
    public bool IsOwner => ViewerRole == GroupRoles.Owner;
    public bool IsInvited => ViewerRequest == "invite";

    /// <summary>Members-only groups and their threads exist only for their members (and, for the group's name, the people invited).
    /// A remote group is shown here only to the members who follow it: that someone on this instance follows, say, a
    /// recovery group elsewhere is itself private.</summary>
    public bool CanRead => IsRemote ? IsMember : Visibility == Group.Public || IsMember;

    public bool CanSee => CanRead || IsInvited || ViewerRemoteState is not null;
}
