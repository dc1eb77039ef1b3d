using Kindred.Server.Configuration;
using Kindred.Server.Theming;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Hosting;

/// <summary>
/// Checks the configuration at start-up and explains problems in words an operator without a developer
/// background understands: what is wrong, the setting's name in both spellings, and an example.
/// </summary>
public sealed class KindredOptionsValidator(IHostEnvironment? environment = null) : IValidateOptions<KindredOptions>
{

    public ValidateOptionsResult Validate(string? name, KindredOptions o)
    {
        var errors = new List<string>();

        if (string.IsNullOrWhiteSpace(o.PublicUrl))
        {
            errors.Add("Kindred:PublicUrl is not set. Set it to the address people use to reach this instance, " +
                       "e.g. Kindred__PublicUrl=https://support.example.org");
        }
        else if (!Uri.TryCreate(o.PublicUrl, UriKind.Absolute, out var url) || (url.Scheme != "https" && url.Scheme != "http"))
        {
            errors.Add($"Kindred:PublicUrl '{o.PublicUrl}' is not a web address. It must start with https:// " +
                       "(or http:// for a trial on your own computer), e.g. https://support.example.org");
        }
        else if (url.AbsolutePath != "/" || !string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment) || !string.IsNullOrEmpty(url.UserInfo))
        {
            errors.Add($"Kindred:PublicUrl '{o.PublicUrl}' must be just the origin, without a path, query or user name, " +
                       "e.g. https://support.example.org (Kindred must be served from the root of its own host name).");
        }
        else if (url.Scheme == "http" && !IsLoopback(url) && environment?.IsDevelopment() != true)
        {
            // Cookies, passwords and members' posts would cross the network in clear text.
            errors.Add($"Kindred:PublicUrl '{o.PublicUrl}' is plain http on a host other than this computer. Serve the instance over " +
                       "https behind a reverse proxy and set e.g. Kindred__PublicUrl=https://support.example.org " +
                       "(docs/admin-guide-proxy.md); plain http is only for a trial with ASPNETCORE_ENVIRONMENT=Development.");
        }

        errors.AddRange(ValidateProxies(o.ReverseProxy));
        errors.AddRange(MailOptionsValidation.Validate(o.Mail));

        var provider = o.Database.Provider?.Trim().ToLowerInvariant();
        if (provider is not ("sqlite" or "postgres" or "postgresql"))
        {
            errors.Add($"Kindred:Database:Provider '{o.Database.Provider}' is not known. Use 'sqlite' (the default, no set-up) or 'postgres'.");
        }
        else if (provider is "postgres" or "postgresql" && string.IsNullOrWhiteSpace(o.Database.ConnectionString))
        {
            errors.Add("Kindred:Database:ConnectionString is required with PostgreSQL, e.g. " +
                       "Kindred__Database__ConnectionString=\"Host=db;Database=kindred;Username=kindred;Password=...\"");
        }

        if (!RegistrationOptions.Modes.Contains(o.Registration.Mode?.Trim().ToLowerInvariant()))
        {
            errors.Add($"Kindred:Registration:Mode '{o.Registration.Mode}' is not known. Use one of: {string.Join(", ", RegistrationOptions.Modes)}.");
        }

        if (o.Groups.DefaultFederation?.Trim().ToLowerInvariant() is not ("local" or "federated"))
        {
            errors.Add($"Kindred:Groups:DefaultFederation '{o.Groups.DefaultFederation}' is not known. Use 'local' (posts stay on this " +
                       "instance, the default) or 'federated' (posts are shared with other servers), e.g. Kindred__Groups__DefaultFederation=local");
        }

        if (o.Registration.MinimumAge is < 0 or > 120)
        {
            errors.Add($"Kindred:Registration:MinimumAge must be between 0 (no age question) and 120; it is {o.Registration.MinimumAge}.");
        }

        if (o.Accounts.ErasureGracePeriod < TimeSpan.Zero || o.Accounts.ErasureGracePeriod > TimeSpan.FromDays(365))
        {
            errors.Add($"Kindred:Accounts:ErasureGracePeriod must be between 0 (erase at once) and 365 days, e.g. 14.00:00:00; it is {o.Accounts.ErasureGracePeriod}.");
        }

        if (o.Accounts.ExportKeptFor < TimeSpan.FromHours(1) || o.Accounts.ExportKeptFor > TimeSpan.FromDays(90))
        {
            errors.Add($"Kindred:Accounts:ExportKeptFor must be between 1 hour and 90 days, e.g. 7.00:00:00; it is {o.Accounts.ExportKeptFor}.");
        }

        if (o.Accounts.ExportsPerDay < 1)
        {
            errors.Add($"Kindred:Accounts:ExportsPerDay must be at least 1; it is {o.Accounts.ExportsPerDay}.");
        }

        if (o.Security.Argon2MemoryKiB < 8192)
        {
            errors.Add($"Kindred:Security:Argon2MemoryKiB must be at least 8192 (8 MiB); it is {o.Security.Argon2MemoryKiB}.");
        }

        if (o.Security.Argon2Passes < 1)
        {
            errors.Add("Kindred:Security:Argon2Passes must be at least 1.");
        }

        var s = o.Security;
        if (s.MaxFailedSignIns < 1 || s.MaxFailedSignInsPerAccount < 1 || s.LockoutMinutes < 1 || s.SignInAttemptsPerMinute < 1
            || s.SignInBurstPerAddress < 1 || s.SignInAttemptsPerAccountPerMinute < 1 || s.MaxConcurrentPasswordHashes < 1 || s.MaxQueuedPasswordHashes < 0)
        {
            errors.Add("Kindred:Security:MaxFailedSignIns, MaxFailedSignInsPerAccount, LockoutMinutes, SignInAttemptsPerMinute, SignInBurstPerAddress, " +
                       "SignInAttemptsPerAccountPerMinute and MaxConcurrentPasswordHashes must each be at least 1 (MaxQueuedPasswordHashes at least 0).");
        }

        if (!TimeZones.IsKnown(o.TimeZone))
        {
            errors.Add($"Kindred:TimeZone '{o.TimeZone}' is not a time zone this server knows. Use an IANA name, e.g. Kindred__TimeZone=Europe/London (or UTC).");
        }

        for (var i = 0; i < o.Helplines.Count; i++)
        {
            var h = o.Helplines[i];
            if (string.IsNullOrWhiteSpace(h.Name))
            {
                errors.Add($"Kindred:Helplines:{i}:Name is empty. Every helpline needs a name people recognise.");
            }

            if (string.IsNullOrWhiteSpace(h.Phone) && string.IsNullOrWhiteSpace(h.Text) && string.IsNullOrWhiteSpace(h.Url) && !h.Emergency)
            {
                errors.Add($"Kindred:Helplines:{i} ('{h.Name}') has no phone number, text number or web address, so nobody could reach it.");
            }

            if (!string.IsNullOrWhiteSpace(h.Url) && (!Uri.TryCreate(h.Url, UriKind.Absolute, out var hu) || hu.Scheme is not ("https" or "http")))
            {
                errors.Add($"Kindred:Helplines:{i}:Url '{h.Url}' is not a web address starting with https://.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || url.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<string> ValidateProxies(ReverseProxyOptions proxy)
    {
        for (var i = 0; i < proxy.TrustedProxies.Count; i++)
        {
            if (!System.Net.IPAddress.TryParse(proxy.TrustedProxies[i]?.Trim(), out _))
            {
                yield return $"Kindred:ReverseProxy:TrustedProxies:{i} '{proxy.TrustedProxies[i]}' is not an IP address, e.g. " +
                             $"Kindred__ReverseProxy__TrustedProxies__{i}=172.18.0.3 (for a network use TrustedNetworks, e.g. 172.16.0.0/12).";
            }
        }

        for (var i = 0; i < proxy.TrustedNetworks.Count; i++)
        {
            if (!System.Net.IPNetwork.TryParse(proxy.TrustedNetworks[i]?.Trim(), out _))
            {
                yield return $"Kindred:ReverseProxy:TrustedNetworks:{i} '{proxy.TrustedNetworks[i]}' is not a network in CIDR notation " +
                             $"(address/prefix length, with the host bits zero), e.g. Kindred__ReverseProxy__TrustedNetworks__{i}=172.16.0.0/12.";
            }
        }
    }
}
