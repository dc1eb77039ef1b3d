namespace Kindred.Server.Configuration;

/// <summary>A start-up problem the operator can fix, already put in words: printed as one line, exit code 2.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
