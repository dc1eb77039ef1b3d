using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Kindred.Server.Data;

public static class DbErrors
{
    /// <summary>True when <paramref name="ex"/> is a unique-constraint violation on either engine.</summary>
    public static bool IsUniqueViolation(DbException ex) => ex switch
    {
        // SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555), both of primary code 19.
        SqliteException s => s.SqliteErrorCode == 19 && s.SqliteExtendedErrorCode is 2067 or 1555,
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };
}
