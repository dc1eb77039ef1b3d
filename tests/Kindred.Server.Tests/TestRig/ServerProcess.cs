using System.Diagnostics;
using System.Text;

namespace Kindred.Server.Tests.TestRig;

/// <summary>
/// Runs the built server (<c>dotnet Kindred.Server.dll</c>, as the container and the systemd unit do) as its own process,
/// configured only by environment variables, to check what an operator sees: the exit code, standard error, the log.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();

    private ServerProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(_out, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_err, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "Kindred.Server.dll");

    public string Output
    {
        get
        {
            lock (_out)
            {
                return _out.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_err)
            {
                return _err.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the server with a clean environment for Kindred and ASP.NET Core: only what <paramref name="environment"/> sets.</summary>
    public static ServerProcess Start(IDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ServerDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var key in info.Environment.Keys.ToList())
        {
            if (key.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || key.StartsWith("DOTNET_URLS", StringComparison.OrdinalIgnoreCase) ||
                key.StartsWith("Kindred__", StringComparison.OrdinalIgnoreCase))
            {
                info.Environment.Remove(key);
            }
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        return new ServerProcess(Process.Start(info)!);
    }

    /// <summary>Waits for the process to end (start-up failures end it quickly); kills it after two minutes.</summary>
    public async Task<int> ExitCodeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"The server did not exit. Output:\n{Output}\nError:\n{Error}");
        }

        _process.WaitForExit(); // flushes the redirected streams
        return _process.ExitCode;
    }

    /// <summary>Polls until a line containing <paramref name="text"/> is logged (60 s patience).</summary>
    public async Task WaitForOutputAsync(string text)
    {
        for (var i = 0; i < 600 && !Output.Contains(text, StringComparison.Ordinal); i++)
        {
            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(100);
        }

        if (!Output.Contains(text, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"'{text}' never appeared. Output:\n{Output}\nError:\n{Error}");
        }
    }

    private bool _disposed;

    /// <summary>Stops the process (killing it if it still runs); safe to call twice, e.g. to read all its output first.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sb)
        {
            sb.AppendLine(line);
        }
    }
}
