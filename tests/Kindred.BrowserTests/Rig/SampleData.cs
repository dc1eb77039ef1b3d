using Kindred.Server.Tests.TestRig;

namespace Kindred.BrowserTests.Rig;

/// <summary>
/// Creates the data that pages with route parameters show, once per test server, and returns real URLs to them
/// (for <see cref="PageCatalog"/>). Create data the way people do (the API, the CLI, or the browser journeys in
/// <see cref="Journeys"/>), never by writing to the database behind the app's back.
/// </summary>
public sealed class SampleData(KindredTestServer server, string memberName, string adminName)
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, string> _made = new(StringComparer.Ordinal);

    public KindredTestServer Server => server;
    public string MemberName => memberName;
    public string AdminName => adminName;

    /// <summary>Runs <paramref name="create"/> once per key and remembers the URL it returned.</summary>
    public async Task<string> OnceAsync(string key, Func<Task<string>> create)
    {
        await _lock.WaitAsync();
        try
        {
            if (!_made.TryGetValue(key, out var url))
            {
                url = await create();
                _made[key] = url;
            }
            return url;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// The name of a group members can join, for the group journeys. The groups feature implements this (create the
    /// group through its API or admin CLI, then return its display name); until then the /groups routes do not exist
    /// and the journey that calls it is skipped.
    /// </summary>
    public Task<string> GroupNameAsync() => OnceAsync("group-name", () =>
        throw new NotImplementedException("The app now has /groups routes: implement SampleData.GroupNameAsync " +
                                          "(tests/Kindred.BrowserTests/Rig/SampleData.cs) to create a group, and list the group pages in PageCatalog.cs."));

    // Pages with route parameters get a method like this, used from PageCatalog, e.g.
    // public Task<string> GroupUrlAsync() => OnceAsync("group-url", async () => $"/groups/{await CreateGroupSlugAsync()}");
}
