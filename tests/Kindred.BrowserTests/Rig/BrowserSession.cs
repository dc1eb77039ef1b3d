using Kindred.Server.Web;
using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Kindred.BrowserTests.Rig;

/// <summary>
/// One browser context (one person's browser) and its page, recording every request the page makes so that a test
/// can prove nothing was loaded from anywhere but the instance.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _requests = new();

    private BrowserSession(IBrowserContext context, IPage page, Uri origin)
    {
        Context = context;
        Page = page;
        Origin = origin;
        context.Request += (_, request) => _requests.Enqueue(request.Url);
    }

    public IBrowserContext Context { get; }
    public IPage Page { get; }
    public Uri Origin { get; }
    public IReadOnlyCollection<string> Requests => _requests;

    public static async Task<BrowserSession> StartAsync(IBrowser browser, Uri origin, BrowserNewContextOptions options)
    {
        options.BaseURL = origin.GetLeftPart(UriPartial.Authority);
        var context = await browser.NewContextAsync(options);
        context.SetDefaultTimeout(20_000);
        var session = new BrowserSession(context, await context.NewPageAsync(), origin);
        return session;
    }

    /// <summary>Opens <paramref name="path"/> and returns the main document's response.</summary>
    public async Task<IResponse> OpenAsync(string path)
    {
        var response = await Page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        return response ?? throw new InvalidOperationException($"No response for {path}");
    }

    /// <summary>Requests that went to any origin other than the instance (data: and about: URLs load nothing).</summary>
    public IReadOnlyList<string> ForeignRequests() =>
        _requests.Where(url => !IsSameOrigin(url)).Distinct().ToList();

    public void AssertNoForeignRequests()
    {
        var foreign = ForeignRequests();
        Assert.True(foreign.Count == 0,
            $"The page made requests outside the instance ({Origin.GetLeftPart(UriPartial.Authority)}): {string.Join(", ", foreign)}");
    }

    private bool IsSameOrigin(string url)
    {
        if (url.StartsWith("data:", StringComparison.Ordinal) || url == "about:blank")
        {
            return true;
        }
        return Uri.TryCreate(url, UriKind.Absolute, out var u)
            && u.Scheme == Origin.Scheme && u.Host == Origin.Host && u.Port == Origin.Port;
    }

    /// <summary>
    /// Runs the steps of a test; afterwards checks that no request left the instance. On any failure saves a
    /// screenshot and the HTML (see <see cref="Artifacts"/>) and fails with a message that says where they are.
    /// </summary>
    public async Task RunAsync(string label, Func<IPage, Task> steps)
    {
        try
        {
            await steps(Page);
            AssertNoForeignRequests();
        }
        catch (Exception ex) when (!Artifacts.IsSkip(ex) && ex is not BrowserTestFailedException)
        {
            var dir = await Artifacts.SaveAsync(Page, label, ex.ToString());
            throw new BrowserTestFailedException($"{label} failed at {Page.Url}: {ex.Message}\nScreenshot and HTML: {dir}", ex);
        }
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
