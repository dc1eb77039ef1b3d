using System.Text;
using Microsoft.Playwright;

namespace Kindred.BrowserTests.Rig;

/// <summary>
/// What a failed browser test leaves behind: a full-page screenshot and the page's HTML under
/// <c>bin/.../artifacts/&lt;test&gt;/&lt;label&gt;/</c> next to the test assembly, so a failure can be read without re-running it.
/// </summary>
public static class Artifacts
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "artifacts");

    private static readonly Lazy<bool> Cleared = new(() =>
    {
        // Artifacts describe this run only; leftovers from an earlier run would point at failures that are fixed.
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
        return true;
    });

    /// <summary>Removes the artifacts of earlier runs (called once when the first browser fixture starts).</summary>
    public static void ClearPreviousRun() => _ = Cleared.Value;

    /// <summary>Saves screenshot, HTML and notes for <paramref name="page"/>; returns the folder and prints it to the test output.</summary>
    public static async Task<string> SaveAsync(IPage page, string label, string? notes = null)
    {
        var test = TestContext.Current.Test?.TestDisplayName ?? "unknown-test";
        var dir = Path.Combine(Root, Safe(test), Safe(label));
        Directory.CreateDirectory(dir);
        try
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "screenshot.png"), FullPage = true, Timeout = 15_000 });
            await File.WriteAllTextAsync(Path.Combine(dir, "page.html"), await page.ContentAsync());
        }
        catch (PlaywrightException ex)
        {
            notes += "\nCould not capture the page: " + ex.Message;
        }
        await File.WriteAllTextAsync(Path.Combine(dir, "notes.txt"), $"URL: {page.Url}\n{notes}");
        TestContext.Current.TestOutputHelper?.WriteLine($"Browser artifacts for '{label}' (screenshot.png, page.html, notes.txt): {dir}");
        return dir;
    }

    /// <summary>xunit's dynamic skip travels as an exception; it is not a failure and leaves no artifacts.</summary>
    public static bool IsSkip(Exception ex) => ex.Message.StartsWith("$XunitDynamicSkip$", StringComparison.Ordinal);

    private static string Safe(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            sb.Append(char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }
        var s = sb.ToString().Trim('_');
        return s.Length > 120 ? s[..120] : s;
    }
}

/// <summary>A browser test failed; the message says where its screenshot and HTML are.</summary>
public sealed class BrowserTestFailedException(string message, Exception? inner = null) : Exception(message, inner);
