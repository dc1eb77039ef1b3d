using Kindred.Server.Configuration;
using Kindred.Server.Hosting;

namespace Kindred.Server.Tests.Mail;

/// <summary>Kindred:Mail is checked at start with messages that name the setting and give an example.</summary>
public sealed class MailConfigurationTests
{
    private static List<string> Errors(Action<MailOptions> change)
    {
        var o = new KindredOptions { PublicUrl = "https://support.example.org" };
        change(o.Mail);
        var result = new KindredOptionsValidator().Validate(null, o);
        return result.Failures?.ToList() ?? [];
    }

    [Fact]
    public void Pickup_needs_nothing()
    {
        Assert.Empty(Errors(_ => { }));
    }

    [Fact]
    public void Smtp_without_a_host_or_sender_is_explained()
    {
        var errors = Errors(m => m.Mode = "smtp");
        Assert.Contains(errors, e => e.StartsWith("Kindred:Mail:Host is required", StringComparison.Ordinal) && e.Contains("Kindred__Mail__Host="));
        Assert.Contains(errors, e => e.StartsWith("Kindred:Mail:From is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_modes_bad_addresses_and_half_credentials_are_explained()
    {
        Assert.Contains(Errors(m => m.Mode = "sendmail"), e => e.Contains("Kindred:Mail:Mode 'sendmail' is not known"));
        var errors = Errors(m =>
        {
            m.Mode = "smtp";
            m.Host = "smtp://relay.example.org:587";
            m.Security = "ssl";
            m.From = "not an address";
            m.Username = "kindred";
            m.Port = 70000;
        });
        Assert.Contains(errors, e => e.Contains("Kindred:Mail:Host 'smtp://relay.example.org:587' is not a host name"));
        Assert.Contains(errors, e => e.Contains("Kindred:Mail:Security 'ssl' is not known"));
        Assert.Contains(errors, e => e.Contains("Kindred:Mail:From 'not an address' is not an e-mail address"));
        Assert.Contains(errors, e => e.Contains("Kindred:Mail:Password is empty"));
        Assert.Contains(errors, e => e.Contains("Kindred:Mail:Port must be between"));
    }

    [Fact]
    public void A_complete_smtp_configuration_passes_and_picks_the_usual_port()
    {
        var o = new MailOptions { Mode = "smtp", Host = "smtp.example.org", From = "Our community <no-reply@example.org>", Username = "u", Password = "p" };
        Assert.Empty(Errors(m =>
        {
            m.Mode = o.Mode;
            m.Host = o.Host;
            m.From = o.From;
            m.Username = o.Username;
            m.Password = o.Password;
        }));
        Assert.Equal(587, o.EffectivePort);
        o.Security = "tls";
        Assert.Equal(465, o.EffectivePort);
    }
}
