using Kindred.Server.Federation.Policy;

namespace Kindred.Server.Tests.Policy;

/// <summary>How a block names servers: subdomains, wildcards, addresses, the most specific entry winning.</summary>
public sealed class DomainMatchingTests
{
    [Theory]
    [InlineData("Social.Example", "social.example")]
    [InlineData("https://social.example/@someone", "social.example")]
    [InlineData("social.example.", "social.example")]
    [InlineData("*.example", "*.example")]
    [InlineData("127.0.0.2", "127.0.0.2")]
    [InlineData("[::1]", "::1")]
    public void Domains_are_normalised(string input, string expected) => Assert.Equal(expected, DomainPattern.Normalize(input).Domain);

    [Theory]
    [InlineData("")]
    [InlineData("example")]
    [InlineData("a.*.example")]
    [InlineData("*")]
    [InlineData("bad domain.example")]
    [InlineData("under_score.example")]
    public void Non_domains_are_refused_with_a_reason(string input)
    {
        var (domain, problem) = DomainPattern.Normalize(input);
        Assert.Null(domain);
        Assert.False(string.IsNullOrWhiteSpace(problem));
    }

    [Fact]
    public void A_name_covers_its_subdomains_a_wildcard_only_names_under_it_and_the_most_specific_wins()
    {
        var matcher = new DomainMatcher<string>([("bad.example", "bad"), ("*.tld", "tld"), ("ok.bad.example", "ok"), ("127.0.0.2", "ip")]);
        Assert.Equal("bad", matcher.Find("bad.example"));
        Assert.Equal("bad", matcher.Find("media.bad.example"));
        Assert.Equal("ok", matcher.Find("x.ok.bad.example"));
        Assert.Null(matcher.Find("notbad.example"));
        Assert.Equal("tld", matcher.Find("anything.tld"));
        Assert.Null(matcher.Find("tld"));
        Assert.Equal("ip", matcher.Find("127.0.0.2"));
        Assert.Null(matcher.Find("1.127.0.0.2"));
        Assert.Null(matcher.Find("127.0.0.3"));
    }

    [Theory]
    [InlineData("social.example:8443", "social.example")]
    [InlineData("127.0.0.2:5000", "127.0.0.2")]
    [InlineData("[::1]:443", "::1")]
    [InlineData("SOCIAL.example", "social.example")]
    public void Ports_are_ignored(string authority, string host) => Assert.Equal(host, DomainPattern.HostOf(authority));

    [Fact]
    public void Headerless_lists_mean_suspend_and_GoToSocial_json_is_read()
    {
        var (entries, errors) = BlocklistFormats.Parse("one.example\n# a comment\n\ntwo.example\n");
        Assert.Empty(errors);
        Assert.Equal(["one.example", "two.example"], entries.Select(e => e.Input.Domain ?? "").ToArray());
        Assert.All(entries, e => Assert.Equal("suspend", e.Input.Severity));

        var (json, jsonErrors) = BlocklistFormats.Parse("""[{"domain":"gts.example","public_comment":"spam","obfuscate":true},{"public_comment":"no domain"}]""");
        Assert.Equal("gts.example", Assert.Single(json).Input.Domain);
        Assert.Equal(2, Assert.Single(jsonErrors).Line);
    }
}
