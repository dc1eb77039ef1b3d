using System.Globalization;
using System.Text;
using Kindred.ActivityPub.Keys;

namespace Kindred.ActivityPub.Signatures;

/// <summary>
/// Signs outgoing requests the way the fediverse verifies them: draft-cavage-http-signatures-12 with
/// <c>(request-target) host date</c>, plus <c>digest</c> (RFC 3230 SHA-256) and <c>content-type</c> on
/// requests with a body, or <c>accept</c> on GETs when present. RSA keys declare
/// <c>algorithm="rsa-sha256"</c> (Mastodon and others reject other values with RSA); Ed25519 keys
/// declare <c>hs2019</c> (§2.1.3: the verifier derives the algorithm from the key).
/// Thread-safe; construct once.
/// </summary>
public sealed class CavageSigner(TimeProvider time)
{
    private readonly TimeProvider _time = time ?? throw new ArgumentNullException(nameof(time));

    /// <summary>
    /// Adds <c>Date</c> (unless present), <c>Digest</c> (for body-carrying requests) and
    /// <c>Signature</c> to <paramref name="request"/>'s headers and returns those header lines, which
    /// the caller must send exactly as given. <c>Host</c> must already be set.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Sign(SignableRequest request, SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(key);
        if (request.Authority is null)
        {
            throw new InvalidOperationException("The request needs a Host header before it is signed.");
        }

        var added = new List<KeyValuePair<string, string>>();
        if (!request.Headers.Contains("Date"))
        {
            var date = _time.GetUtcNow().ToString("r", CultureInfo.InvariantCulture);
            request.Headers.Set("Date", date);
            added.Add(new("Date", date));
        }

        var headers = new List<string> { "(request-target)", "host", "date" };
        if (request.CarriesBody)
        {
            var digest = BodyDigest.ComputeDigestHeader(request.Body.Span);
            request.Headers.Set("Digest", digest);
            added.Add(new("Digest", digest));
            headers.Add("digest");
            if (request.Headers.Contains("Content-Type"))
            {
                headers.Add("content-type");
            }
        }
        else if (request.Headers.Contains("Accept"))
        {
            headers.Add("accept");
        }

        var (algorithm, algorithmName) = key.Type switch
        {
            KeyType.Rsa => (HttpSignatureAlgorithm.RsaPkcs1Sha256, "rsa-sha256"),
            KeyType.Ed25519 => (HttpSignatureAlgorithm.Ed25519, "hs2019"),
            _ => throw new NotSupportedException($"Cannot sign cavage signatures with a {key.Type} key."),
        };

        var signingString = CavageSigningString.Build(request, headers, created: null, expires: null)
            ?? throw new InvalidOperationException("A header to sign is missing.");
        var header = new CavageSignatureHeader
        {
            KeyId = key.KeyId,
            Algorithm = algorithmName,
            Headers = headers,
            Signature = key.Sign(algorithm, Encoding.UTF8.GetBytes(signingString)),
        };
        var value = header.ToHeaderValue();
        request.Headers.Set("Signature", value);
        added.Add(new("Signature", value));
        return added;
    }
}

/// <summary>The signing string of draft-cavage-http-signatures-12 §2.3.</summary>
public static class CavageSigningString
{
    /// <summary>
    /// Builds the string: one <c>name: value</c> line per covered header, joined by LF, no trailing
    /// newline. <c>(request-target)</c> is the lower-cased method, a space and the target as sent;
    /// <c>(created)</c>/<c>(expires)</c> come from the parameters. Returns null when a covered header
    /// (or parameter) is missing, which §2.3 says MUST fail.
    /// </summary>
    public static string? Build(SignableRequest request, IReadOnlyList<string> headers, long? created, long? expires)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(headers);
        var lines = new List<string>(headers.Count);
        foreach (var name in headers)
        {
            string? value = name switch
            {
                "(request-target)" => $"{request.Method.ToLowerInvariant()} {request.Target}",
                "(created)" => created?.ToString(CultureInfo.InvariantCulture),
                "(expires)" => expires?.ToString(CultureInfo.InvariantCulture),
                _ => request.Headers.GetCombined(name),
            };
            if (value is null)
            {
                return null;
            }

            lines.Add($"{name}: {value}");
        }

        return string.Join('\n', lines);
    }
}
