namespace Kindred.Server.Federation.Policy;

/// <summary>The two modes: federate with everyone but blocked servers, or only with listed ones.</summary>
public static class FederationModes
{
    public const string Blocklist = "blocklist";
    public const string Allowlist = "allowlist";

    public static bool IsKnown(string? mode) => mode is Blocklist or Allowlist;
}

/// <summary>Block severities, as Mastodon names them in its API and CSV (<c>noop</c>: only the reject flags apply).</summary>
public static class Severities
{
    public const string Suspend = "suspend";
    public const string Silence = "silence";
    public const string Noop = "noop";
}

/// <summary>One domain block (a row of <c>domain_blocks</c>).</summary>
public sealed record DomainBlock
{
    public Guid Id { get; init; }
    public string Domain { get; init; } = "";
    public string Severity { get; init; } = Severities.Suspend;
    public bool RejectMedia { get; init; }
    public bool RejectReports { get; init; }
    public bool Obfuscate { get; init; }
    public string PublicComment { get; init; } = "";
    public string PrivateComment { get; init; } = "";
    public DateTimeOffset? ExpiresAt { get; init; }
    public string Source { get; init; } = "local";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>One domain allow (a row of <c>domain_allows</c>), the list that counts in allowlist mode.</summary>
public sealed record DomainAllow
{
    public Guid Id { get; init; }
    public string Domain { get; init; } = "";
    public string PublicComment { get; init; } = "";
    public string PrivateComment { get; init; } = "";
    public string Source { get; init; } = "local";
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>One line of the policy change log.</summary>
public sealed record PolicyLogEntry
{
    public DateTimeOffset At { get; init; }
    public string Actor { get; init; } = "";
    public string Action { get; init; } = "";
    public string? Domain { get; init; }
    public string Detail { get; init; } = "";
}

/// <summary>The mode and the policy's version stamp.</summary>
public sealed record PolicyState
{
    public string Mode { get; init; } = FederationModes.Blocklist;
    public long Version { get; init; }
}
