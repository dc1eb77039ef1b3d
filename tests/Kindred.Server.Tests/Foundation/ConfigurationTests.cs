using Kindred.Server.Hosting;
using Kindred.Server.Tests.TestRig;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;
using Kindred.Server.Configuration;

namespace Kindred.Server.Tests.Foundation;

/// <summary>Start-up refuses bad configuration with messages an operator can act on.</summary>
public sealed class ConfigurationTests
{
    private static List<string> Errors(Action<KindredOptions> change)
    {
        var options = new KindredOptions { PublicUrl = "https://support.example.org" };
        change(options);
        var result = new KindredOptionsValidator().Validate(null, options);
        return result.Failures?.ToList() ?? [];
    }

    [Fact]
    public void Valid_defaults_pass() => Assert.Empty(Errors(_ => { }));

    [Theory]
    [InlineData(1440, true)]
    [InlineData(0, true)]
    [InlineData(5, true)]
    [InlineData(4, false)]
    [InlineData(-1, false)]
    [InlineData(30 * 24 * 60 + 1, false)]
    public void The_remote_group_refresh_interval_is_checked(int minutes, bool valid)
    {
        var result = new Kindred.Server.Federation.FederationOptionsValidator().Validate(null, new Kindred.Server.Federation.FederationOptions { RemoteGroupRefreshMinutes = minutes });
        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Kindred:Federation:RemoteGroupRefreshMinutes", Assert.Single(result.Failures!), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("", "is not set")]
    [InlineData("support.example.org", "not a web address")]
    [InlineData("ftp://support.example.org", "not a web address")]
    [InlineData("https://support.example.org/community", "just the origin")]
    [InlineData("https://support.example.org/?x=1", "just the origin")]
    public void Missing_or_malformed_public_url_is_explained(string url, string expected)
    {
        var error = Assert.Single(Errors(o => o.PublicUrl = url));
        Assert.Contains(expected, error);
        Assert.Contains("Kindred", error); // names the setting
    }

    [Fact]
    public void Other_settings_are_checked()
    {
        Assert.Contains(Errors(o => o.Database.Provider = "mysql"), e => e.Contains("'sqlite'", StringComparison.Ordinal));
        Assert.Contains(Errors(o => o.Database.Provider = "postgres"), e => e.Contains("ConnectionString is required", StringComparison.Ordinal));
        Assert.Contains(Errors(o => o.Registration.Mode = "everyone"), e => e.Contains("closed, invite, approval, open", StringComparison.Ordinal));
        Assert.Contains(Errors(o => o.Security.Argon2MemoryKiB = 1024), e => e.Contains("Argon2MemoryKiB", StringComparison.Ordinal));
        Assert.Contains(Errors(o => o.Helplines.Add(new Helpline { Name = "Line" })), e => e.Contains("nobody could reach it", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_app_does_not_start_with_a_bad_public_url()
    {
        var dir = Path.Combine(Path.GetTempPath(), "kindred-cfg-" + Guid.NewGuid().ToString("N"));
        var settings = KindredTestServer.BaseSettings(dir);
        settings["Kindred:PublicUrl"] = "support.example.org";
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => KindredTestServer.StartWithSettingsAsync(DatabaseKind.Sqlite, settings, dir));
        Assert.Contains(ex.Failures, f => f.Contains("not a web address", StringComparison.Ordinal));
    }
}
