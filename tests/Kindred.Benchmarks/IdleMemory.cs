using System.Diagnostics;
using System.Net.Http;

namespace Kindred.Benchmarks;

/// <summary>
/// Resident memory of the real server process (started as `dotnet Kindred.Server.dll`, SQLite, default settings)
/// after start-up, a few page requests and half a minute of idling. Goal: at most 150 MB RSS.
/// </summary>
public static class IdleMemory
{
    public static async Task RunAsync()
    {
        var server = FindServerDll();
        if (server is null)
        {
            Console.WriteLine("idle memory: Kindred.Server.dll not found; build the solution first");
            return;
        }

        var data = Path.Combine(Path.GetTempPath(), "kindred-bench-idle-" + Guid.NewGuid().ToString("N"));
        var port = Net.FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { server, "--urls", $"http://127.0.0.1:{port}", $"--Kindred:PublicUrl=http://127.0.0.1:{port}", $"--Kindred:DataDirectory={data}" })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            for (var i = 0; i < 300; i++)
            {
                try
                {
                    if ((await http.GetAsync("/readyz")).IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(100);
            }

            foreach (var path in new[] { "/", "/signin", "/register", "/help/urgent", "/guidelines", "/groups" })
            {
                await http.GetAsync(path);
            }

            await Task.Delay(TimeSpan.FromSeconds(30));
            var rss = ReadRssKiB(process.Id) / 1024.0;
            Console.WriteLine($"idle memory: {rss:N1} MB RSS after start-up, six pages and 30 s idle ({rss / 150:P0} of the 150 MB limit)");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    private static long ReadRssKiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static string? FindServerDll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Federation.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            return null;
        }

        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(dir.FullName, "src", "Kindred.Server", "bin", configuration, "net10.0", "Kindred.Server.dll");
        return File.Exists(path) ? path : null;
    }
}
