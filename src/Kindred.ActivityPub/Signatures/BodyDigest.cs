using System.Security.Cryptography;
using Kindred.ActivityPub.Signatures.StructuredFields;

namespace Kindred.ActivityPub.Signatures;

/// <summary>Outcome of comparing a digest header with the body.</summary>
public enum DigestCheck
{
    /// <summary>Every recognised digest matched, and there was at least one.</summary>
    Match = 1,

    /// <summary>A recognised digest did not match the body.</summary>
    Mismatch,

    /// <summary>Only unknown or weak algorithms (md5, sha, unixsum...) were present.</summary>
    Unsupported,

    /// <summary>The header could not be parsed.</summary>
    Malformed,
}

/// <summary>
/// Body digests: RFC 3230 <c>Digest</c> (what draft-cavage-12 §2.1 examples and the fediverse use,
/// algorithm names from RFC 5843) and RFC 9530 <c>Content-Digest</c> (the RFC 9421 companion).
/// Only SHA-256 and SHA-512 are accepted: RFC 9530 §5 marks md5/sha/unixsum as insecure.
/// </summary>
public static class BodyDigest
{
    /// <summary><c>SHA-256=base64</c> for the <c>Digest</c> header.</summary>
    public static string ComputeDigestHeader(ReadOnlySpan<byte> body) =>
        "SHA-256=" + Convert.ToBase64String(SHA256.HashData(body));

    /// <summary><c>sha-256=:base64:</c> (or sha-512) for the <c>Content-Digest</c> header (RFC 9530 §2).</summary>
    public static string ComputeContentDigest(ReadOnlySpan<byte> body, bool sha512 = false) =>
        sha512
            ? "sha-512=:" + Convert.ToBase64String(SHA512.HashData(body)) + ":"
            : "sha-256=:" + Convert.ToBase64String(SHA256.HashData(body)) + ":";

    /// <summary>Checks an RFC 3230 <c>Digest</c> value such as <c>SHA-256=abc=, SHA-512=def=</c>.</summary>
    public static DigestCheck CheckDigestHeader(string? value, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return DigestCheck.Malformed;
        }

        var recognised = 0;
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return DigestCheck.Malformed;
            }

            // RFC 3230 §4.1.1: algorithm names are case-insensitive.
            var algorithm = part[..eq].Trim().ToUpperInvariant();
            if (algorithm is not ("SHA-256" or "SHA-512"))
            {
                continue;
            }

            byte[] expected;
            try
            {
                expected = Convert.FromBase64String(part[(eq + 1)..].Trim());
            }
            catch (FormatException)
            {
                return DigestCheck.Malformed;
            }

            recognised++;
            if (!Matches(algorithm == "SHA-512", expected, body))
            {
                return DigestCheck.Mismatch;
            }
        }

        return recognised > 0 ? DigestCheck.Match : DigestCheck.Unsupported;
    }

    /// <summary>Checks an RFC 9530 <c>Content-Digest</c> value (a structured dictionary of byte sequences).</summary>
    public static DigestCheck CheckContentDigest(string? value, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return DigestCheck.Malformed;
        }

        IReadOnlyList<SfMember> members;
        try
        {
            members = StructuredFieldParser.ParseDictionary(value);
        }
        catch (FormatException)
        {
            return DigestCheck.Malformed;
        }

        var recognised = 0;
        foreach (var member in members)
        {
            if (member.Key is not ("sha-256" or "sha-512"))
            {
                continue;
            }

            if (member.Item?.Value is not byte[] expected)
            {
                return DigestCheck.Malformed;
            }

            recognised++;
            if (!Matches(member.Key == "sha-512", expected, body))
            {
                return DigestCheck.Mismatch;
            }
        }

        return recognised > 0 ? DigestCheck.Match : DigestCheck.Unsupported;
    }

    private static bool Matches(bool sha512, byte[] expected, ReadOnlySpan<byte> body)
    {
        Span<byte> actual = stackalloc byte[64];
        var length = sha512 ? SHA512.HashData(body, actual) : SHA256.HashData(body, actual);
        return CryptographicOperations.FixedTimeEquals(actual[..length], expected);
    }
}
