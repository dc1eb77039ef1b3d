using System.Globalization;

namespace Kindred.ActivityPub.Signatures;

/// <summary>Replay-window checks shared by both schemes (cavage-12 §2.1.4-2.1.5, §3.1.1 and RFC 9421
/// §3.2 step 5 / §7.2.2).</summary>
internal static class SignatureTime
{
    /// <summary>
    /// Parses a <c>Date</c> header in the one form RFC 9110 §5.6.7 lets senders generate, IMF-fixdate
    /// (<c>Sun, 06 Nov 1994 08:49:37 GMT</c>): exactly that layout, case and zero padding, with the
    /// right day name. The obsolete RFC 850 form (two-digit year) and asctime form are refused: a
    /// signed date must mean one instant to every reader, and every fediverse sender uses IMF-fixdate.
    /// </summary>
    public static bool TryParseHttpDate(string? value, out DateTimeOffset date)
    {
        // Round-tripping through the canonical "r" form rejects anything that is not byte for byte
        // IMF-fixdate (lower-case names, a wrong day name, missing padding, other zones).
        return DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date)
            && string.Equals(date.ToString("r", CultureInfo.InvariantCulture), value, StringComparison.Ordinal);
    }

    /// <summary>Null when <paramref name="signedAt"/> is inside the window; otherwise the failure.</summary>
    public static (SignatureFailure Failure, string Message)? CheckWindow(DateTimeOffset signedAt, DateTimeOffset now, HttpSignatureVerifierOptions options, string what)
    {
        if (now - signedAt > options.MaxAge)
        {
            return (SignatureFailure.TooOld, $"{what} {signedAt:O} is older than {options.MaxAge}.");
        }

        if (signedAt - now > options.MaxFutureSkew)
        {
            return (SignatureFailure.InFuture, $"{what} {signedAt:O} is too far in the future.");
        }

        return null;
    }

    /// <summary>Null when <paramref name="expires"/> (Unix seconds) is absent or not yet past. Compared
    /// as numbers, so any integer a sender can write is handled (no conversion to a date that could be out of range).</summary>
    public static (SignatureFailure Failure, string Message)? CheckExpires(long? expires, DateTimeOffset now) =>
        expires is { } e && e < now.ToUnixTimeSeconds()
            ? (SignatureFailure.Expired, "The signature has expired.")
            : null;

    public static DateTimeOffset? FromUnix(long? seconds)
    {
        // Guard against values outside DateTimeOffset's range; such a value is simply invalid.
        if (seconds is not { } s || s < -62135596800 || s > 253402300799)
        {
            return null;
        }

        return DateTimeOffset.FromUnixTimeSeconds(s);
    }
}
