namespace Kindred.ActivityPub.Vocabulary;

/// <summary>Why a document was refused.</summary>
public enum ParseFailure
{
    Unknown = 0,
    InvalidJson,
    TooLarge,

    /// <summary>Nested deeper than <see cref="ActivityStreamsParserOptions.MaxDepth"/>.</summary>
    TooDeep,
    NotAnObject,
    WrongKind,

    /// <summary>A string is not valid UTF-8, or escapes an unpaired surrogate (RFC 8259 §8).</summary>
    InvalidText,

    /// <summary>An object has the same property twice (RFC 8259 §4: its meaning is undefined).</summary>
    DuplicateProperty,
}

/// <summary>The only exception <see cref="ActivityStreamsParser"/> throws for bad input.</summary>
public sealed class ActivityStreamsParseException : Exception
{
    public ActivityStreamsParseException()
    {
    }

    public ActivityStreamsParseException(string message)
        : base(message)
    {
    }

    public ActivityStreamsParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ActivityStreamsParseException(ParseFailure reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    public ParseFailure Reason { get; }
}
