namespace Kindred.Server.Data;

/// <summary>The two SQL dialects Kindred runs on. Code branches on this in one place, with both SQL texts visible.</summary>
public enum Dialect
{
    Sqlite,
    Postgres,
}
