namespace Kindred.Server.Hosting;

/// <summary>
/// Where Kestrel listens. The ASP.NET Core conventions win (<c>ASPNETCORE_URLS</c>, <c>--urls</c>,
/// <c>ASPNETCORE_HTTP_PORTS</c>/<c>HTTPS_PORTS</c>, a <c>Kestrel:Endpoints</c> section); only when none is set does Kindred listen
/// on <see cref="Default"/>, so the container image's <c>ASPNETCORE_URLS=http://+:8080</c> is honoured.
/// </summary>
public static class ListenAddress
{
    public const string Default = "http://localhost:8080";

    public static void ApplyDefault(WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var set = !string.IsNullOrWhiteSpace(config["urls"]) || !string.IsNullOrWhiteSpace(config["http_ports"]) ||
                  !string.IsNullOrWhiteSpace(config["https_ports"]) || config.GetSection("Kestrel:Endpoints").Exists();
        if (!set)
        {
            builder.WebHost.UseUrls(Default);
        }
    }
}
