using Microsoft.Playwright;

namespace Kindred.BrowserTests.Rig;

/// <summary>
/// Debian's Chromium, driven by Playwright's bundled driver. Playwright's own browser download is never used
/// (it fails on closed networks); the flags below keep the browser from reaching anything but loopback.
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>CI sets KINDRED_REQUIRE_BROWSER=1 so that a missing browser fails the run instead of skipping it.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("KINDRED_REQUIRE_BROWSER") == "1";

    public static readonly string[] Args =
    [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        // Everything that is not loopback goes to a closed port or fails to resolve: the browser can reach nothing
        // but the test server, so a page that tries to load something from elsewhere cannot succeed by accident.
        "--proxy-server=http://127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.*, EXCLUDE ::1",
    ];

    /// <summary>Why browser tests cannot run here, or null when they can.</summary>
    public static string? Unavailable() => File.Exists(ExecutablePath)
        ? null
        : $"{ExecutablePath} not found. Install Debian's Chromium to run the browser tests: apt-get install -y chromium " +
          "(do not run 'playwright install').";

    /// <summary>The message of a skipped browser test.</summary>
    public static string SkipMessage(string unavailable) =>
        $"Browser tests skipped: {unavailable} Set KINDRED_REQUIRE_BROWSER=1 to make a missing browser a failure (CI does).";

    /// <summary>
    /// Headless Chromium. Playwright gives every launch a new, empty temporary profile (--user-data-dir), so no state
    /// survives from one test class to the next.
    /// </summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = Args,
            Timeout = 60_000,
        });
}
