using System.Net;
using System.Text.RegularExpressions;
using Kindred.Server.Tests.Federation;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Foundation;

/// <summary>
/// Session and antiforgery cookies are <c>Secure</c> with the <c>__Host-</c> prefix whenever the public URL is https,
/// also when a trusted reverse proxy talks plain http to Kindred (issue 18 item 10).
/// </summary>
public sealed partial class SessionCookieTests(ProxiedHttpsServer https) : IClassFixture<ProxiedHttpsServer>
{
    [Fact]
    public async Task Behind_a_proxy_that_forwards_https_both_cookies_are_Secure_with_the_Host_prefix()
    {
        var server = https.Server;
        var name = await Accounts.RegisterAsync(server);
        var cookies = await SignInAsync(server, name, r => ProxiedHttpsServer.Forwarded(r));

        var session = Assert.Single(cookies, c => c.StartsWith("__Host-kindred=", StringComparison.Ordinal));
        var csrf = Assert.Single(cookies, c => c.StartsWith("__Host-kindred_csrf=", StringComparison.Ordinal));
        foreach (var cookie in new[] { session, csrf })
        {
            var attributes = Attributes(cookie);
            Assert.Contains("secure", attributes);
            Assert.Contains("httponly", attributes);
            Assert.Contains("path=/", attributes);
            Assert.DoesNotContain(attributes, a => a.StartsWith("domain=", StringComparison.Ordinal));
        }

        Assert.Contains("samesite=lax", Attributes(session));
        Assert.Contains("samesite=strict", Attributes(csrf));
    }

    [Fact]
    public async Task On_a_plain_http_instance_cookies_are_not_marked_Secure()
    {
        var plain = new SqliteServer();
        await plain.InitializeAsync();
        try
        {
            var name = await Accounts.RegisterAsync(plain.Server);
            var cookies = await SignInAsync(plain.Server, name, _ => { });
            var session = Assert.Single(cookies, c => c.StartsWith("kindred_session=", StringComparison.Ordinal));
            Assert.DoesNotContain("secure", Attributes(session));
        }
        finally
        {
            await plain.DisposeAsync();
        }
    }

    private static string[] Attributes(string setCookie) =>
        [.. setCookie.Split(';').Skip(1).Select(a => a.Trim().ToLowerInvariant())];

    /// <summary>Signs in through the form by hand (a cookie jar would not send Secure cookies over http) and returns every Set-Cookie.</summary>
    private static async Task<List<string>> SignInAsync(KindredTestServer server, string name, Action<HttpRequestMessage> proxy)
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        using var get = new HttpRequestMessage(HttpMethod.Get, "/signin");
        proxy(get);
        var form = await http.SendAsync(get);
        var setCookies = form.Headers.GetValues("Set-Cookie").ToList();
        var token = CsrfField().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;

        using var post = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = name, ["password"] = Accounts.Password, ["__csrf"] = token, ["returnUrl"] = "/" }),
        };
        proxy(post);
        post.Headers.Add("Cookie", string.Join("; ", setCookies.Select(c => c.Split(';')[0])));
        var signedIn = await http.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        setCookies.AddRange(signedIn.Headers.GetValues("Set-Cookie"));
        return setCookies;
    }

    [GeneratedRegex("name=\"__csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
