namespace Kindred.Server.Configuration;

/// <summary>Everything under the <c>Kindred</c> configuration section (appsettings.json or <c>Kindred__...</c> variables).</summary>
public sealed class KindredOptions
{
    public const string Section = "Kindred";

    /// <summary>The instance's public origin, e.g. https://support.example.org. ActivityPub ids derive from it.</summary>
    public string PublicUrl { get; set; } = "";

    /// <summary>Where the instance keeps its files (SQLite database, key files). Relative paths are relative to the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Name of the theme under <c>themes/</c>; templates it does not override come from <c>default</c>.</summary>
    public string Theme { get; set; } = "default";

    /// <summary>An extra folder searched for themes before the built-in ones (e.g. /data/themes in a container).</summary>
    public string? ThemesPath { get; set; }

    public string InstanceName { get; set; } = "Kindred";

    /// <summary>Search engines are told not to index the instance unless this is true (privacy by default).</summary>
    public bool AllowSearchIndexing { get; set; }

    /// <summary>
    /// The time zone pages show times in (an IANA name such as Europe/London) for visitors and for members who have not
    /// chosen their own. Admins can change it under Instance settings.
    /// </summary>
    public string TimeZone { get; set; } = "UTC";

    public DatabaseOptions Database { get; set; } = new();
    public RegistrationOptions Registration { get; set; } = new();
    public GroupsOptions Groups { get; set; } = new();
    public SecurityOptions Security { get; set; } = new();
    public List<Helpline> Helplines { get; set; } = [];
    public ReverseProxyOptions ReverseProxy { get; set; } = new();
    public SecretsOptions Secrets { get; set; } = new();
    public ReportsOptions Reports { get; set; } = new();
    public MailOptions Mail { get; set; } = new();
    public AccountsOptions Accounts { get; set; } = new();
}

/// <summary>Reports (issue 12): the out-of-hours safety net.</summary>
public sealed class ReportsOptions
{
    /// <summary>The out-of-hours safety net: this many different members reporting the same post hide it until a moderator
    /// has looked at it (0 turns it off).</summary>
    public int HideAfterReporters { get; set; } = 3;
}

/// <summary>Data rights (issue 14): exports and erasure of a member's account.</summary>
public sealed class AccountsOptions
{
    /// <summary>How long an erasure waits before it starts (the member can undo it by signing in). Zero: at once.</summary>
    public TimeSpan ErasureGracePeriod { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How long a finished export can be downloaded before it is deleted.</summary>
    public TimeSpan ExportKeptFor { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Export requests a member may make in 24 hours (a request while one is being built answers with that one).</summary>
    public int ExportsPerDay { get; set; } = 3;
}

/// <summary>The certificate that encrypts the Data Protection key ring kept in the database (see docs/admin-guide-secrets.md).</summary>
public sealed class SecretsOptions
{
    /// <summary>A PKCS#12 (.pfx) file with a private key. Empty: &lt;data&gt;/secrets/keyring.pfx, made on first start.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of the .pfx files, if they have one.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Certificates used before, kept so ring keys they encrypted can still be read after a change of certificate.</summary>
    public List<string> PreviousCertificatePaths { get; set; } = [];
}

public sealed class DatabaseOptions
{
    /// <summary><c>sqlite</c> (embedded default) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>For SQLite defaults to a file in the data directory; required for PostgreSQL.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Whether the server applies pending migrations when it starts; when false, only <c>admin migrate</c> does.</summary>
    public bool MigrateOnStart { get; set; } = true;
}

public sealed class RegistrationOptions
{
    public static readonly string[] Modes = ["closed", "invite", "approval", "open"];

    /// <summary><c>closed</c>, <c>invite</c>, <c>approval</c> or <c>open</c>. Admins can change it at run time.</summary>
    public string Mode { get; set; } = "approval";

    /// <summary>People must confirm they are at least this old. 0 turns the question off.</summary>
    public int MinimumAge { get; set; } = 16;

    /// <summary>Version label of the consent text shown at registration; recorded with each consent.</summary>
    public string ConsentVersion { get; set; } = "2026-11";
}

public sealed class GroupsOptions
{
    /// <summary>
    /// Federation setting new groups start with: <c>local</c> (posts stay on this instance) or <c>federated</c> (shared with
    /// other servers). Local by default: sending members' posts elsewhere discloses health-related data.
    /// </summary>
    public string DefaultFederation { get; set; } = "local";

    /// <summary>Whether members (not only admins) may open groups.</summary>
    public bool MembersCanCreate { get; set; }
}

public sealed class SecurityOptions
{
    /// <summary>Argon2id memory in KiB (RFC 9106 §4 second recommendation: 64 MiB).</summary>
    public int Argon2MemoryKiB { get; set; } = 65536;

    /// <summary>Argon2id passes (iterations).</summary>
    public int Argon2Passes { get; set; } = 3;

    /// <summary>
    /// At most this many Argon2id derivations run at once (each takes <see cref="Argon2MemoryKiB"/>); requests beyond
    /// it wait up to 5 s, and beyond <see cref="MaxQueuedPasswordHashes"/> waiting ones they get 429.
    /// </summary>
    public int MaxConcurrentPasswordHashes { get; set; } = 2;

    /// <summary>How many password checks may wait for a free slot before further ones get 429 at once.</summary>
    public int MaxQueuedPasswordHashes { get; set; } = 32;

    /// <summary>Wrong passwords for one account from one address (an IPv4 address or an IPv6 /64) before that address is paused for that account.</summary>
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>
    /// Wrong passwords for one account from all addresses together before the account is paused for every address
    /// it has never signed in from. Its owner, from an address they signed in from before, can still sign in.
    /// </summary>
    public int MaxFailedSignInsPerAccount { get; set; } = 20;

    /// <summary>How long a pause (per address, or per account for new addresses) lasts.</summary>
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>
    /// Sign-in and registration attempts per minute from one address (an IPv4 address or an IPv6 /64), sustained;
    /// see <see cref="SignInBurstPerAddress"/> for how many may come at once. Generous, because a drop-in session on one
    /// Wi-Fi is one address: the per-account limits below do the real work.
    /// </summary>
    public int SignInAttemptsPerMinute { get; set; } = 30;

    /// <summary>How many attempts one address may make at once before the per-minute rate applies.</summary>
    public int SignInBurstPerAddress { get; set; } = 60;

    /// <summary>Sign-in attempts per minute for one account name from addresses it has never signed in from.</summary>
    public int SignInAttemptsPerAccountPerMinute { get; set; } = 10;

    public int AccessTokenMinutes { get; set; } = 60;

    /// <summary>Password reset messages one e-mail address may be sent per hour; requests beyond it get the same answer and no message.</summary>
    public int PasswordResetsPerAddressPerHour { get; set; } = 3;

    /// <summary>Password reset requests one client address (IPv4, or IPv6 /64) may make per hour before it gets 429.</summary>
    public int PasswordResetsPerIpPerHour { get; set; } = 20;

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1_000_000;
}

public sealed class ReverseProxyOptions
{
    /// <summary>Addresses of proxies whose X-Forwarded-* headers are trusted. Loopback is always trusted.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Networks (CIDR) whose X-Forwarded-* headers are trusted, e.g. 10.0.0.0/8 for a container network.</summary>
    public List<string> TrustedNetworks { get; set; } = [];
}

/// <summary>A helpline on the urgent help page (from the configuration, or saved by an admin on the helplines page).</summary>
public sealed class Helpline
{
    public string Name { get; set; } = "";

    /// <summary>Number to call, e.g. "116 123"; linked as tel:.</summary>
    public string? Phone { get; set; }

    /// <summary>Number to text, e.g. "85258" (or, as older configurations say it, "Text SHOUT to 85258"); linked as sms:.</summary>
    public string? Text { get; set; }

    /// <summary>The word to text, e.g. "SHOUT": the page then says "Text SHOUT to 85258".</summary>
    public string? TextKeyword { get; set; }

    public string? Url { get; set; }
    public string? Hours { get; set; }
    public string? Description { get; set; }
    public string? Country { get; set; }

    /// <summary>The emergency-services entry: listed first, and kept unless an admin removes it on purpose.</summary>
    public bool Emergency { get; set; }
}
