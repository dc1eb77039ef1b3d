using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.TestRig;

/// <summary>
/// Our own Fedify peer (tests/interop/fedify-peer) as a real remote server on a loopback port. Runs <c>npm ci</c>
/// first when node_modules is missing. Without Node.js/npm the interop tests are skipped with the reason, unless
/// <c>KINDRED_REQUIRE_INTEROP=1</c> (CI) makes that a failure. The peer exits with this test process
/// (<c>--parent-pid</c>); its stdout and stderr are drained into <see cref="Log"/> for failure messages.
/// </summary>
public sealed class FedifyPeer : IAsyncLifetime
{
    private readonly StringBuilder _log = new();
    private Process? _process;
    private string? _unavailable;

    public static bool Required => Environment.GetEnvironmentVariable("KINDRED_REQUIRE_INTEROP") == "1";

    public Uri Origin { get; private set; } = new("http://127.0.0.1/");
    public string ActorId { get; private set; } = "";
    public string Inbox { get; private set; } = "";

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public HttpClient Control { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Skips the calling test when the peer could not be started here.</summary>
    public void EnsureAvailable()
    {
        if (_process is null)
        {
            Assert.Skip(_unavailable ?? "Fedify peer not started");
        }
    }

    public async Task<JsonElement> PostAsync(string path, object body)
    {
        var response = await Control.PostAsJsonAsync(new Uri(Origin, path), body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"peer {path} answered {(int)response.StatusCode}: {json}\n{Log}");
        return json;
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        var response = await Control.GetAsync(new Uri(Origin, path));
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"peer {path} answered {(int)response.StatusCode}: {json}\n{Log}");
        return json;
    }

    public async ValueTask InitializeAsync()
    {
        var dir = FindPeerDirectory();
        if (dir is null || !OnPath("node") || !OnPath("npm"))
        {
            Unavailable(dir is null ? "tests/interop/fedify-peer not found" : "Interop tests skipped: Node.js 20 and npm are not installed (see tests/interop/fedify-peer/README.md).");
            return;
        }

        if (!Directory.Exists(Path.Combine(dir, "node_modules")))
        {
            var (ok, output) = await RunAsync("npm", "ci --no-audit --no-fund", dir, TimeSpan.FromMinutes(5));
            if (!ok)
            {
                Unavailable("Interop tests skipped: npm ci failed in tests/interop/fedify-peer: " + output);
                return;
            }
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "peer.mjs", "--port", "0", "--user", "alice", "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }

        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            Append("out", e.Data);
            if (e.Data.StartsWith("[ready] ", StringComparison.Ordinal))
            {
                ready.TrySetResult(e.Data["[ready] ".Length..]);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Append("err", e.Data);
            }
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var line = await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var info = JsonDocument.Parse(line).RootElement;
        Origin = new Uri(info.GetProperty("origin").GetString()! + "/");
        ActorId = info.GetProperty("actor").GetString()!;
        Inbox = info.GetProperty("inbox").GetString()!;
    }

    private void Unavailable(string reason)
    {
        if (Required)
        {
            throw new InvalidOperationException("KINDRED_REQUIRE_INTEROP=1 but " + reason);
        }

        _unavailable = reason;
    }

    private void Append(string stream, string line)
    {
        lock (_log)
        {
            if (_log.Length < 200_000)
            {
                _log.Append(stream).Append(": ").AppendLine(line);
            }
        }
    }

    private static string? FindPeerDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "interop", "fedify-peer");
            if (File.Exists(Path.Combine(candidate, "peer.mjs")))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));

    private static async Task<(bool Ok, string Output)> RunAsync(string file, string args, string dir, TimeSpan timeout)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (false, "timed out");
        }

        return (process.ExitCode == 0, await stdout + await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        Control.Dispose();
    }
}
