using Kindred.Server.Tests.TestRig;
using Microsoft.Playwright;

namespace Kindred.BrowserTests.Rig;

/// <summary>
/// One Chromium and one Kindred server (fresh SQLite database, loopback port) per test class, with a member and an
/// admin. Without /usr/bin/chromium every test using it is skipped with instructions, unless KINDRED_REQUIRE_BROWSER=1.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const int DesktopWidth = 1280;
    public const int PhoneWidth = 390;

    private readonly SemaphoreSlim _signInLock = new(1, 1);
    private readonly Dictionary<Visitor, string> _storageStates = [];
    private KindredTestServer? _server;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private SampleData? _data;
    private string? _unavailable;

    public KindredTestServer Server => Require(_server);
    public IBrowser Browser => Require(_browser);
    public SampleData Data => Require(_data);

    public async ValueTask InitializeAsync()
    {
        _unavailable = Chromium.Unavailable();
        if (_unavailable is not null)
        {
            if (Chromium.Required)
            {
                throw new InvalidOperationException("KINDRED_REQUIRE_BROWSER=1 but " + _unavailable);
            }
            return;
        }
        Artifacts.ClearPreviousRun();
        _server = await KindredTestServer.StartAsync(DatabaseKind.Sqlite);
        var admin = await Accounts.CreateWithCliAsync(_server, "admin");
        var member = await Accounts.RegisterAsync(_server);
        _data = new SampleData(_server, member, admin);
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    /// <summary>
    /// A new browser context for <paramref name="visitor"/>. JavaScript is off unless asked for: that is how many of
    /// our members browse, and the site must not need it. Only tools that inspect the page (axe) turn it on; the
    /// page itself has no scripts, so this does not change what is tested.
    /// </summary>
    public async Task<BrowserSession> NewSessionAsync(Visitor visitor = Visitor.SignedOut, int width = DesktopWidth, bool javaScript = false,
        ColorScheme colorScheme = ColorScheme.Light)
    {
        var options = new BrowserNewContextOptions
        {
            JavaScriptEnabled = javaScript,
            ViewportSize = new ViewportSize { Width = width, Height = width <= PhoneWidth ? 844 : 900 },
            IsMobile = width <= PhoneWidth,
            HasTouch = false,
            Locale = "en-GB",
            ColorScheme = colorScheme,
            StorageState = visitor == Visitor.SignedOut ? null : await StorageStateAsync(visitor),
        };
        return await BrowserSession.StartAsync(Browser, Server.BaseAddress, options);
    }

    /// <summary>A browser context signed in as <paramref name="username"/> through the real form (for journeys that need their own member).</summary>
    public async Task<BrowserSession> SignedInSessionAsync(string username, int width = DesktopWidth)
    {
        var session = await NewSessionAsync(Visitor.SignedOut, width);
        await session.RunAsync($"sign in as {username}", page => Journeys.SignInAsync(page, username, Accounts.Password));
        return session;
    }

    /// <summary>The pages of the running app that <paramref name="visitor"/> may open, with real URLs.</summary>
    public async Task<IReadOnlyList<PageUnderTest>> PagesForAsync(Visitor visitor)
    {
        var pages = new List<PageUnderTest>();
        foreach (var route in AppRoutes.GetRoutes(Server))
        {
            // Routes missing from the catalog fail RouteCatalogTests with instructions; here they are simply not visited.
            if (!PageCatalog.Routes.TryGetValue(route.Pattern, out var entry) || !entry.IsPage || !entry.Audience.Admits(visitor))
            {
                continue;
            }
            var url = entry.SampleUrl is null ? route.Pattern : await entry.SampleUrl(Data);
            pages.Add(new PageUnderTest(route.Pattern, url, entry.Audience, entry.ExpectedStatus));
        }
        return pages;
    }

    /// <summary>Cookies of a signed-in member or admin, signed in once through the real form and reused by later contexts.</summary>
    private async Task<string> StorageStateAsync(Visitor visitor)
    {
        await _signInLock.WaitAsync();
        try
        {
            if (!_storageStates.TryGetValue(visitor, out var state))
            {
                var username = visitor == Visitor.Admin ? Data.AdminName : Data.MemberName;
                await using var session = await BrowserSession.StartAsync(Browser, Server.BaseAddress, new BrowserNewContextOptions { JavaScriptEnabled = false });
                await session.RunAsync($"sign in as {visitor}", page => Journeys.SignInAsync(page, username, Accounts.Password));
                state = await session.Context.StorageStateAsync();
                _storageStates[visitor] = state;
            }
            return state;
        }
        finally
        {
            _signInLock.Release();
        }
    }

    private T Require<T>(T? value) where T : class
    {
        if (value is null)
        {
            Assert.Skip(_unavailable is null ? "The browser test fixture did not start." : Chromium.SkipMessage(_unavailable));
        }
        return value;
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }
        _playwright?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
