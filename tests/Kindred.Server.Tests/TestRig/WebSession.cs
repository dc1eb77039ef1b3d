using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AngleSharp;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.TestRig;

/// <summary>
/// One person's browser-like session: a cookie jar, no automatic redirects (tests assert them), pages parsed
/// with AngleSharp, and forms submitted with the fields the page really contains (antiforgery token included).
/// </summary>
public sealed class WebSession : IDisposable
{
    private static readonly HtmlParser Parser = new();
    private readonly HttpClientHandler _handler;

    public WebSession(Uri baseAddress)
    {
        _handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseCookies = true };
        Http = new HttpClient(_handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Http { get; }
    public CookieContainer Cookies => _handler.CookieContainer;

    public sealed record Page(HttpResponseMessage Response, IHtmlDocument Document)
    {
        public HttpStatusCode Status => Response.StatusCode;
        public string Text(string selector) => Document.QuerySelector(selector)?.TextContent.Trim() ?? "";
        public IHtmlFormElement Form(string action) =>
            Document.QuerySelectorAll("form").OfType<IHtmlFormElement>().FirstOrDefault(f => f.GetAttribute("action") == action)
            ?? throw new InvalidOperationException($"No form posting to {action} on the page. Forms: {string.Join(", ", Document.QuerySelectorAll("form").Select(f => f.GetAttribute("action")))}");
    }

    public async Task<Page> GetAsync(string path)
    {
        var response = await Http.GetAsync(path);
        return await ParseAsync(response);
    }

    /// <summary>Follows redirects (like a browser) and returns the final page.</summary>
    public async Task<Page> FollowAsync(HttpResponseMessage response)
    {
        for (var i = 0; i < 5 && response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther; i++)
        {
            response = await Http.GetAsync(response.Headers.Location);
        }

        return await ParseAsync(response);
    }

    /// <summary>
    /// Fills the form posting to <paramref name="action"/> on the page at <paramref name="pagePath"/> and submits it: hidden fields as
    /// the page has them, checked checkboxes as given, the rest from <paramref name="values"/>.
    /// </summary>
    public async Task<HttpResponseMessage> SubmitAsync(string pagePath, string action, IDictionary<string, string> values)
    {
        var page = await GetAsync(pagePath);
        return await SubmitAsync(page, action, values);
    }

    public async Task<HttpResponseMessage> SubmitAsync(Page page, string action, IDictionary<string, string> values)
    {
        var form = page.Form(action);
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var input in form.QuerySelectorAll("input[type=hidden]").OfType<IHtmlInputElement>())
        {
            if (!values.ContainsKey(input.Name!))
            {
                fields.Add(new(input.Name!, input.Value));
            }
        }

        foreach (var (name, value) in values)
        {
            if (form.QuerySelector($"[name='{name}']") is null)
            {
                throw new InvalidOperationException($"The form {action} has no field named {name}.");
            }

            fields.Add(new(name, value));
        }

        return await Http.PostAsync(action, new FormUrlEncodedContent(fields));
    }

    public async Task<HttpResponseMessage> PostJsonAsync<T>(string path, T body, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await Http.SendAsync(request);
    }

    public async Task<HttpResponseMessage> GetWithTokenAsync(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Http.SendAsync(request);
    }

    public static async Task<Page> ParseAsync(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        return new Page(response, await Parser.ParseDocumentAsync(html));
    }

    public void Dispose()
    {
        Http.Dispose();
        _handler.Dispose();
    }
}
