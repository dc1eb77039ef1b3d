namespace Kindred.ActivityPub.Signatures;

/// <summary>Policy for <see cref="HttpSignatureVerifier"/>. Defaults are the safe production values.</summary>
public sealed record HttpSignatureVerifierOptions
{
    /// <summary>How old a signature (signed Date or <c>created</c>) may be. Mastodon accepts 1 hour
    /// (plus its clock skew); an old signed request replayed later is rejected (RFC 9421 §7.2.2).</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How far in the future a signature time may be, for clock skew.</summary>
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>RSA keys below this are rejected (RFC 9421 §7.3.1; NIST SP 800-131A).</summary>
    public int MinimumRsaKeySizeInBits { get; init; } = 2048;

    /// <summary>
    /// Require the components that bind a signature to this request: for cavage, <c>(request-target)</c>,
    /// <c>host</c>, <c>date</c> (or <c>(created)</c>) and, with a body, <c>digest</c>; for RFC 9421,
    /// <c>@method</c>, the target (<c>@target-uri</c>, or <c>@authority</c> with <c>@path</c> /
    /// <c>@request-target</c>), <c>content-digest</c> with a body, and a signing time. Only turn this off
    /// to check historic specification test vectors.
    /// </summary>
    public bool EnforceCoveragePolicy { get; init; } = true;

    public static HttpSignatureVerifierOptions Default { get; } = new();
}
