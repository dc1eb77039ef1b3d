using System.Globalization;

namespace Kindred.ActivityPub.Signatures;

/// <summary>Replay-window checks shared by both schemes (cavage-12 §2.1.4-2.1.5, §3.1.1 and RFC 9421
/// §3.2 step 5 / §7.2.2).</summary>
internal static class SignatureTime
{
    /// <summary>Parses an HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, tolerating the obsolete forms.</summary>
    public static bool TryParseHttpDate(string? value, out DateTimeOffset date)
    {
        date = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        string[] formats = ["r", "dddd, dd-MMM-yy HH:mm:ss 'GMT'", "ddd MMM d HH:mm:ss yyyy", "ddd MMM dd HH:mm:ss yyyy"];
        return DateTimeOffset.TryParseExact(value.Trim(), formats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowInnerWhite, out date);
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

    public static (SignatureFailure Failure, string Message)? CheckExpires(long? expires, DateTimeOffset now) =>
        expires is { } e && DateTimeOffset.FromUnixTimeSeconds(e) < now
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
