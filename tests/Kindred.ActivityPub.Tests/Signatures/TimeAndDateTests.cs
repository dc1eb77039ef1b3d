using Kindred.ActivityPub.Signatures;
using static Kindred.ActivityPub.Tests.Support.SigningRig;

namespace Kindred.ActivityPub.Tests.Signatures;

/// <summary>When a signature was made and until when it counts: the signed Date (IMF-fixdate only),
/// <c>created</c> and <c>expires</c> in both schemes, and the exact edges of the replay window.</summary>
public sealed class TimeAndDateTests
{
    private const string CavagePost = "(request-target) host date digest";
    private const string Rfc9421Post = "\"@method\" \"@target-uri\" \"content-digest\"";

    [Theory]
    [InlineData("Sat, 01 Mar 2025 12:00:00 GMT", true)]      // IMF-fixdate (RFC 9110 §5.6.7)
    [InlineData("Saturday, 01-Mar-25 12:00:00 GMT", false)]  // RFC 850, two-digit year
    [InlineData("Sat Mar  1 12:00:00 2025", false)]           // asctime
    [InlineData("sat, 01 mar 2025 12:00:00 gmt", false)]      // names are case-sensitive
    [InlineData("sat, 01 Mar 2025 12:00:00 GMT", false)]      // (.NET alone would accept these two)
    [InlineData("Sat, 01 MAR 2025 12:00:00 GMT", false)]
    [InlineData("Sun, 01 Mar 2025 12:00:00 GMT", false)]      // wrong day name
    [InlineData("Sat, 1 Mar 2025 12:00:00 GMT", false)]       // day not zero-padded
    [InlineData("Sat, 01 Mar 2025 12:00:00 +0000", false)]
    [InlineData("Sat, 01 Mar 2025 12:00:00 UTC", false)]
    [InlineData("Sat,  01 Mar 2025 12:00:00 GMT", false)]     // extra space
    [InlineData("Sat, 01 Mar 2025 12:00:00 GMT, Sat, 01 Mar 2025 12:00:00 GMT", false)] // two Date lines, combined
    [InlineData("2025-03-01T12:00:00Z", false)]
    [InlineData("", false)]
    public void Only_imf_fixdate_is_an_http_date(string value, bool expected)
    {
        Assert.Equal(expected, SignatureTime.TryParseHttpDate(value, out var date));
        if (expected)
        {
            Assert.Equal(Now, date);
        }
    }

    [Theory]
    [InlineData("Saturday, 01-Mar-25 12:00:00 GMT")]
    [InlineData("Sat Mar  1 12:00:00 2025")]
    public void A_signed_obsolete_date_is_refused_by_both_verifiers(string date)
    {
        using var rsa = RsaSigner();
        var cavage = Post();
        cavage.Headers.Set("Date", date);
        Assert.Equal(SignatureFailure.DateInvalid, Verifier().Verify(SignCavage(cavage, rsa, CavagePost), RsaKey()).Failure);

        using var ed = EdSigner();
        var rfc9421 = Post();
        rfc9421.Headers.Set("Date", date);
        Assert.Equal(SignatureFailure.DateInvalid, Verifier().Verify(Sign9421(rfc9421, ed, $"({Rfc9421Post} \"date\"){Params(EdKeyId)}"), EdKey()).Failure);
    }

    [Fact]
    public void Rfc9421_without_created_or_a_signed_date_is_refused()
    {
        using var ed = EdSigner();
        var noTime = Sign9421(Post(), ed, $"({Rfc9421Post});keyid=\"{EdKeyId}\"");
        Assert.Equal(SignatureFailure.DateMissing, Verifier().Verify(noTime, EdKey()).Failure);

        // A Date header that is sent but not signed gives no time either.
        Assert.True(noTime.Headers.Contains("Date"));
        Assert.Equal(SignatureFailure.DateMissing, Verifier(Now.AddDays(-300)).Verify(noTime, EdKey()).Failure);

        // A signed Date alone is enough, and is checked.
        var dated = Sign9421(Post(), ed, $"({Rfc9421Post} \"date\");keyid=\"{EdKeyId}\"");
        var result = Verifier().Verify(dated, EdKey());
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(Now, result.SignedAt);
        Assert.Equal(SignatureFailure.TooOld, Verifier(Now.AddHours(2)).Verify(dated, EdKey()).Failure);
        Assert.Equal(SignatureFailure.InFuture, Verifier(Now.AddHours(-2)).Verify(dated, EdKey()).Failure);

        // Only the specification vectors may do without.
        Assert.True(Verifier(options: new() { EnforceCoveragePolicy = false }).Verify(noTime, EdKey()).IsValid);
    }

    [Fact]
    public void Rfc9421_created_and_date_are_both_checked_and_created_wins()
    {
        using var ed = EdSigner();
        var request = Post();
        request.Headers.Set("Date", ImfDate(Now.AddMinutes(-30)));
        Sign9421(request, ed, $"({Rfc9421Post} \"date\"){Params(EdKeyId)}");
        var result = Verifier().Verify(request, EdKey());
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(Now, result.SignedAt);

        // A stale signed Date fails even with a fresh created, and the other way round.
        request.Headers.Set("Date", ImfDate(Now.AddHours(-2)));
        Assert.Equal(SignatureFailure.TooOld, Verifier().Verify(Sign9421(request, ed, $"({Rfc9421Post} \"date\"){Params(EdKeyId)}"), EdKey()).Failure);
        request.Headers.Set("Date", ImfDate(Now));
        Assert.Equal(SignatureFailure.TooOld, Verifier().Verify(Sign9421(request, ed, $"({Rfc9421Post} \"date\"){Params(EdKeyId, NowUnix - 7200)}"), EdKey()).Failure);
    }

    [Theory]
    [InlineData(";created=\"1740830400\"", SignatureFailure.DateInvalid)]      // a string, not an integer (§2.3)
    [InlineData(";created=1740830400.5", SignatureFailure.DateInvalid)]
    [InlineData(";created=999999999999999", SignatureFailure.DateInvalid)]     // beyond any date
    [InlineData(";created=-999999999999999", SignatureFailure.DateInvalid)]
    [InlineData(";created=1740830400;expires=\"soon\"", SignatureFailure.Malformed)]
    [InlineData(";created=1740830400;expires=1740830399", SignatureFailure.Expired)]
    [InlineData(";created=1740830400;expires=-999999999999999", SignatureFailure.Expired)]
    public void Rfc9421_time_parameters_are_validated(string parameters, SignatureFailure expected)
    {
        Assert.Equal(1740830400, NowUnix);
        using var ed = EdSigner();
        var request = Sign9421(Post(), ed, $"({Rfc9421Post});keyid=\"{EdKeyId}\"{parameters}");
        Assert.Equal(expected, Verifier().Verify(request, EdKey()).Failure);
    }

    [Fact]
    public void Rfc9421_expires_far_in_the_future_is_not_an_error()
    {
        using var ed = EdSigner();
        var request = Sign9421(Post(), ed, $"({Rfc9421Post}){Params(EdKeyId, extra: ";expires=999999999999999")}");
        Assert.True(Verifier().Verify(request, EdKey()).IsValid);
    }

    [Fact]
    public void Cavage_hs2019_with_created_and_expires_verifies_and_expires()
    {
        using var ed = EdSigner();
        var request = SignCavage(Post(), ed, "(request-target) host (created) (expires) digest", "hs2019", created: NowUnix - 10, expires: NowUnix + 30);
        var result = Verifier().Verify(request, EdKey());
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(Now.AddSeconds(-10), result.SignedAt);
        Assert.True(Verifier(Now.AddSeconds(30)).Verify(request, EdKey()).IsValid);
        Assert.Equal(SignatureFailure.Expired, Verifier(Now.AddSeconds(31)).Verify(request, EdKey()).Failure);

        // The RSA form of hs2019 takes (created) too.
        using var rsa = RsaSigner();
        var rsaRequest = SignCavage(Post(), rsa, "(request-target) host (created) digest", "hs2019", created: NowUnix);
        Assert.True(Verifier().Verify(rsaRequest, RsaKey()).IsValid);
    }

    [Theory]
    [InlineData(-3601, SignatureFailure.TooOld)]
    [InlineData(301, SignatureFailure.InFuture)]
    public void Cavage_created_is_held_to_the_window(int offsetSeconds, SignatureFailure expected)
    {
        using var ed = EdSigner();
        var request = SignCavage(Post(), ed, "(request-target) host (created) digest", "hs2019", created: NowUnix + offsetSeconds);
        Assert.Equal(expected, Verifier().Verify(request, EdKey()).Failure);
    }

    [Fact]
    public void Cavage_expires_is_parsed_and_enforced_even_when_not_signed()
    {
        using var ed = EdSigner();

        // §2.1.5 allows a decimal; it is truncated to whole seconds.
        var decimalExpires = SignCavage(Post(), ed, CavagePost, "hs2019", expiresText: $"{NowUnix + 5}.9");
        Assert.True(Verifier(Now.AddSeconds(5)).Verify(decimalExpires, EdKey()).IsValid);
        Assert.Equal(SignatureFailure.Expired, Verifier(Now.AddSeconds(6)).Verify(decimalExpires, EdKey()).Failure);

        // Far in the future, beyond any date: not expired, and no exception.
        var far = SignCavage(Post(), ed, CavagePost, "hs2019", expiresText: "99999999999999999");
        Assert.True(Verifier().Verify(far, EdKey()).IsValid);

        Assert.Equal(NowUnix + 5, CavageSignatureHeader.Parse(decimalExpires.Headers.GetFirst("Signature")!).Expires);
    }

    [Fact]
    public void Cavage_with_a_signed_date_and_created_reports_the_date_and_checks_both()
    {
        using var ed = EdSigner();
        var request = Post();
        request.Headers.Set("Date", ImfDate(Now.AddMinutes(-20)));
        SignCavage(request, ed, "(request-target) host date (created) digest", "hs2019", created: NowUnix - 60);
        var result = Verifier().Verify(request, EdKey());
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(Now.AddMinutes(-20), result.SignedAt);

        SignCavage(request, ed, "(request-target) host date (created) digest", "hs2019", created: NowUnix - 7200);
        Assert.Equal(SignatureFailure.TooOld, Verifier().Verify(request, EdKey()).Failure);
    }

    [Fact]
    public void Cavage_created_out_of_range_is_invalid_not_an_exception()
    {
        using var ed = EdSigner();
        var request = SignCavage(Post(), ed, "(request-target) host (created) digest", "hs2019", createdText: "999999999999999999");
        Assert.Equal(SignatureFailure.DateInvalid, Verifier().Verify(request, EdKey()).Failure);
    }

    [Fact]
    public void Cavage_without_date_or_created_is_refused()
    {
        using var ed = EdSigner();
        var request = SignCavage(Post(), ed, "(request-target) host digest", "hs2019");
        Assert.Equal(SignatureFailure.MissingRequiredComponent, Verifier().Verify(request, EdKey()).Failure);

        // (created) is covered but there is no created parameter: no signing time at all.
        var noCreated = SignCavage(Post(), ed, "(request-target) host (created) digest", "hs2019");
        Assert.Equal(SignatureFailure.DateMissing, Verifier().Verify(noCreated, EdKey()).Failure);
        Assert.True(Verifier(options: new() { EnforceCoveragePolicy = false }).Verify(request, EdKey()).IsValid);
    }

    [Theory]
    [InlineData(-3600, true)]   // exactly MaxAge old
    [InlineData(-3601, false)]
    [InlineData(300, true)]     // exactly MaxFutureSkew ahead
    [InlineData(301, false)]
    public void The_window_edges_are_inclusive(int signedOffsetSeconds, bool valid)
    {
        using var ed = EdSigner();
        var request = Sign9421(Post(), ed, $"({Rfc9421Post}){Params(EdKeyId, NowUnix + signedOffsetSeconds)}");
        Assert.Equal(valid, Verifier().Verify(request, EdKey()).IsValid);

        var cavage = Post();
        cavage.Headers.Set("Date", ImfDate(Now.AddSeconds(signedOffsetSeconds)));
        Assert.Equal(valid, Verifier().Verify(SignCavage(cavage, ed, CavagePost, "hs2019"), EdKey()).IsValid);
    }

    [Fact]
    public void The_window_follows_the_options()
    {
        using var ed = EdSigner();
        var request = Sign9421(Post(), ed, $"({Rfc9421Post}){Params(EdKeyId, NowUnix - 120)}");
        Assert.Equal(SignatureFailure.TooOld, Verifier(options: new() { MaxAge = TimeSpan.FromMinutes(1) }).Verify(request, EdKey()).Failure);
        var ahead = Sign9421(Post(), ed, $"({Rfc9421Post}){Params(EdKeyId, NowUnix + 120)}");
        Assert.Equal(SignatureFailure.InFuture, Verifier(options: new() { MaxFutureSkew = TimeSpan.FromMinutes(1) }).Verify(ahead, EdKey()).Failure);
    }

    [Fact]
    public void Expiry_is_compared_in_whole_seconds()
    {
        Assert.Null(SignatureTime.CheckExpires(null, Now));
        Assert.Null(SignatureTime.CheckExpires(NowUnix, Now));
        Assert.Equal(SignatureFailure.Expired, SignatureTime.CheckExpires(NowUnix - 1, Now)?.Failure);
        Assert.Null(SignatureTime.CheckExpires(long.MaxValue, Now));
        Assert.Equal(SignatureFailure.Expired, SignatureTime.CheckExpires(long.MinValue, Now)?.Failure);
        Assert.Null(SignatureTime.FromUnix(null));
        Assert.Null(SignatureTime.FromUnix(253402300800));
        Assert.Equal(DateTimeOffset.MaxValue.AddTicks(-9_999_999), SignatureTime.FromUnix(253402300799));
        Assert.Equal(DateTimeOffset.MinValue, SignatureTime.FromUnix(-62135596800));
        Assert.Null(SignatureTime.FromUnix(-62135596801));
    }
}
