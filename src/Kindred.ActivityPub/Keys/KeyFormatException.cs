namespace Kindred.ActivityPub.Keys;

/// <summary>Thrown when key material cannot be parsed or is of an unsupported kind.</summary>
public sealed class KeyFormatException : Exception
{
    public KeyFormatException()
    {
    }

    public KeyFormatException(string message)
        : base(message)
    {
    }

    public KeyFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
