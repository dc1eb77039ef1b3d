using Kindred.Server.Configuration;

namespace Kindred.Server.Data;

/// <summary>Start-up checks that turn a confusing later failure into a clear early one.</summary>
public static class StartupChecks
{
    /// <summary>The data directory must exist (it is created) and be writable: it holds the SQLite database and the secrets.</summary>
    public static void EnsureDataDirectoryWritable(KindredOptions o)
    {
        var path = Path.GetFullPath(o.DataDirectory);
        try
        {
            if (!Directory.Exists(path))
            {
                SecureFiles.CreatePrivateDirectory(path); // 0700: members' posts and the secrets live here
            }

            var probe = Path.Combine(path, ".kindred-write-test-" + Environment.ProcessId);
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException(
                $"Kindred cannot start: it cannot write to its data directory {path} ({ex.Message.TrimEnd('.')}). Give the user running " +
                $"Kindred write access to it (e.g. chown), or set Kindred__DataDirectory to a writable folder.", ex);
        }
    }

    /// <summary>A file database (not :memory: or a URI) is created 0600 before SQLite opens it.</summary>
    public static void PrepareSqliteFile(string connectionString)
    {
        var source = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource;
        if (string.IsNullOrEmpty(source) || source == ":memory:" || source.StartsWith("file:", StringComparison.Ordinal))
        {
            return;
        }

        var full = Path.GetFullPath(source);
        if (Path.GetDirectoryName(full) is { } dir && Directory.Exists(dir))
        {
            SecureFiles.PrepareDatabaseFile(full);
        }
    }
}
