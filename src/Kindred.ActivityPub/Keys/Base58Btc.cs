using System.Numerics;
using System.Text;

namespace Kindred.ActivityPub.Keys;

/// <summary>
/// Base58 with the Bitcoin alphabet, as used by the multibase 'z' prefix (FEP-521a, W3C Controlled
/// Identifiers §2.4 Multikey). An encoding, not cryptography. Inputs here are public keys (tens to a
/// few hundred bytes), so the simple big-integer method is fast enough; the length guard keeps a
/// hostile document from making us do quadratic work on megabytes.
/// </summary>
public static class Base58Btc
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    /// <summary>Longest text we decode (an RSA-8192 PKCS#1 key is about 1,450 characters).</summary>
    public const int MaxEncodedLength = 2048;

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var zeros = 0;
        while (zeros < data.Length && data[zeros] == 0)
        {
            zeros++;
        }

        var value = new BigInteger(data, isUnsigned: true, isBigEndian: true);
        var sb = new StringBuilder();
        while (value > 0)
        {
            value = BigInteger.DivRem(value, 58, out var rem);
            sb.Insert(0, Alphabet[(int)rem]);
        }

        sb.Insert(0, new string('1', zeros));
        return sb.ToString();
    }

    /// <summary>Decodes; false on any character outside the alphabet or over-long input.</summary>
    public static bool TryDecode(string text, out byte[] data)
    {
        data = [];
        if (string.IsNullOrEmpty(text) || text.Length > MaxEncodedLength)
        {
            return false;
        }

        var zeros = 0;
        while (zeros < text.Length && text[zeros] == '1')
        {
            zeros++;
        }

        BigInteger value = BigInteger.Zero;
        foreach (var c in text)
        {
            var digit = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0)
            {
                return false;
            }

            value = (value * 58) + digit;
        }

        var body = value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true);
        data = new byte[zeros + body.Length];
        body.CopyTo(data, zeros);
        return true;
    }
}
