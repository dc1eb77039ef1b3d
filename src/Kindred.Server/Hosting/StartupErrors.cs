using Kindred.Server.Configuration;
using System.Data.Common;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;

namespace Kindred.Server.Hosting;


/// <summary>
/// Turns the exceptions a misconfigured start meets (unwritable data directory, bad connection string, unreachable
/// database, a value of the wrong format, broken JSON, a port in use) into one readable line. Anything else is a bug
/// and keeps its stack trace.
/// </summary>
public static class StartupErrors
{
    public const int ExitCode = 2;

    private static volatile bool _starting;

    /// <summary>
    /// While the server starts, the host's own "Hosting failed to start" error (a stack trace) is held back: Program prints
    /// the one line from <see cref="Describe"/> instead. Afterwards the host's errors (e.g. a failed background service) log as usual.
    /// </summary>
    public static void QuietFailedStart(ILoggingBuilder logging) =>
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => level >= LogLevel.Information && (!_starting || level >= LogLevel.Critical));

    public static async Task StartQuietlyAsync(WebApplication app)
    {
        _starting = true;
        try
        {
            await app.StartAsync();
        }
        finally
        {
            _starting = false;
        }
    }

    public static string? Describe(Exception ex)
    {
        switch (ex)
        {
            case StartupException s:
                return s.Message;
            case IOException when Find<AddressInUseException>(ex) is not null:
                return $"Kindred cannot start: {ex.Message.TrimEnd('.')}. Another program is using that port: stop it, or give Kindred " +
                       "another address, e.g. ASPNETCORE_URLS=http://127.0.0.1:8081";
            case InvalidDataException when ex.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase):
                return $"Kindred cannot start: {ex.Message} It is not valid JSON: {Innermost(ex).Message}";
            case InvalidOperationException when ex.InnerException is FormatException or OverflowException or ArgumentException &&
                                                ex.Message.Contains("configuration value", StringComparison.OrdinalIgnoreCase):
                return $"Kindred cannot start: {ex.Message.TrimEnd('.')}: {ex.InnerException.Message} " +
                       "Numbers are written without units (e.g. 30), times as hh:mm:ss (e.g. 00:30:00).";
            case DbException or SocketException or TimeoutException:
                return $"Kindred cannot start: its database could not be reached or opened ({Innermost(ex).Message}). " +
                       "Check Kindred:Database:ConnectionString and that the database server is running.";
            case JsonException:
                return $"Kindred cannot start: a JSON setting is not valid: {ex.Message}";
            default:
                return ex.InnerException is { } inner && ex is AggregateException ? Describe(inner) : null;
        }
    }

    /// <summary>Prints the line for a known start-up problem; false for anything else (the caller rethrows).</summary>
    public static bool TryPrint(Exception ex, TextWriter error)
    {
        if (Describe(ex) is not { } line)
        {
            return false;
        }

        error.WriteLine(line);
        return true;
    }

    private static T? Find<T>(Exception? ex) where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }
}
