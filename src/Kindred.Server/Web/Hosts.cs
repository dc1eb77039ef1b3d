namespace Kindred.Server.Web;

/// <summary>How Kindred names another server: one rule for delivery lanes, remote groups, post origins and our own host.</summary>
public static class Hosts
{
    /// <summary>The instance a URL belongs to: lower-case host (punycode) plus the port when it is not the default.</summary>
    public static string Authority(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var host = url.IdnHost.ToLowerInvariant();
        return url.IsDefaultPort ? host : $"{host}:{url.Port}";
    }
}
