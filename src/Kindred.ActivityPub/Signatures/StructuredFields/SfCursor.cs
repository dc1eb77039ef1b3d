namespace Kindred.ActivityPub.Signatures.StructuredFields;

/// <summary>Position in a structured field being parsed (RFC 8941 §4.2).</summary>
internal ref struct SfCursor
{
    private readonly string _s;

    public SfCursor(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.Length > StructuredFieldParser.MaxLength)
        {
            throw new FormatException("Structured field too long.");
        }

        _s = s;
        Position = 0;
    }

    public int Position { get; private set; }

    public readonly bool End => Position >= _s.Length;

    public readonly char Peek => End ? '\0' : _s[Position];

    public void Advance() => Position++;

    public char Next() => _s[Position++];

    public readonly string Slice(int start) => _s[start..Position];

    public bool TryConsume(char c)
    {
        if (!End && _s[Position] == c)
        {
            Position++;
            return true;
        }

        return false;
    }

    public void Expect(char c)
    {
        if (!TryConsume(c))
        {
            throw new FormatException($"Expected '{c}' at {Position}.");
        }
    }

    public void SkipSp()
    {
        while (!End && _s[Position] == ' ')
        {
            Position++;
        }
    }

    public void SkipOws()
    {
        while (!End && _s[Position] is ' ' or '\t')
        {
            Position++;
        }
    }
}
