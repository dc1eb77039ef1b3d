using System.Text;
using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures.StructuredFields;

namespace Kindred.ActivityPub.Signatures;

/// <summary>Choices for one RFC 9421 signature.</summary>
public sealed record Rfc9421SignOptions
{
    /// <summary>Signature label (§4.1), e.g. <c>sig1</c>.</summary>
    public string Label { get; init; } = "sig1";

    /// <summary>Covered components; null means <c>@method</c>, <c>@target-uri</c>, and with a body
    /// <c>content-digest</c> (+ <c>content-type</c> when present).</summary>
    public IReadOnlyList<string>? Components { get; init; }

    /// <summary>Null means the key's default (rsa-v1_5-sha256 for RSA).</summary>
    public HttpSignatureAlgorithm? Algorithm { get; init; }

    /// <summary>Adds <c>expires</c> = created + this (§2.3).</summary>
    public TimeSpan? ExpiresAfter { get; init; }

    public string? Nonce { get; init; }

    public string? Tag { get; init; }

    /// <summary>Overrides the signing time (tests); null uses the TimeProvider.</summary>
    public DateTimeOffset? Created { get; init; }
}

/// <summary>RFC 9421 signer (§3.1). Also adds an RFC 9530 <c>Content-Digest</c> (sha-256) for bodies.
/// Thread-safe; construct once.</summary>
public sealed class Rfc9421Signer(TimeProvider time)
{
    private readonly TimeProvider _time = time ?? throw new ArgumentNullException(nameof(time));

    /// <summary>Adds <c>Content-Digest</c> (body only), <c>Signature-Input</c> and <c>Signature</c> to the
    /// request's headers and returns them for the caller to send.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Sign(SignableRequest request, SigningKey key, Rfc9421SignOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(key);
        options ??= new Rfc9421SignOptions();
        var added = new List<KeyValuePair<string, string>>();
        if (request.CarriesBody)
        {
            var digest = BodyDigest.ComputeContentDigest(request.Body.Span);
            request.Headers.Set("Content-Digest", digest);
            added.Add(new("Content-Digest", digest));
        }

        var components = options.Components ?? DefaultComponents(request);
        var algorithm = options.Algorithm ?? key.DefaultAlgorithm;
        var created = (options.Created ?? _time.GetUtcNow()).ToUnixTimeSeconds();
        var parameters = new SfParameters();
        parameters.Set("created", created);
        if (options.ExpiresAfter is { } after)
        {
            parameters.Set("expires", created + (long)after.TotalSeconds);
        }

        parameters.Set("keyid", key.KeyId);
        parameters.Set("alg", algorithm.ToRfc9421Name() ?? throw new NotSupportedException($"{algorithm} has no RFC 9421 name."));
        if (options.Nonce is not null)
        {
            parameters.Set("nonce", options.Nonce);
        }

        if (options.Tag is not null)
        {
            parameters.Set("tag", options.Tag);
        }

        var input = new SfInnerList(components.Select(c => new SfItem(c, new SfParameters())).ToArray(), parameters);
        if (!Rfc9421SignatureBase.TryBuild(request, input, out var signatureBase, out _, out var message))
        {
            throw new InvalidOperationException(message);
        }

        var signature = key.Sign(algorithm, Encoding.UTF8.GetBytes(signatureBase));
        var signatureInput = $"{options.Label}={StructuredFieldSerializer.SerializeInnerList(input)}";
        var signatureValue = $"{options.Label}={StructuredFieldSerializer.SerializeBareItem(signature)}";
        request.Headers.Set("Signature-Input", signatureInput);
        request.Headers.Set("Signature", signatureValue);
        added.Add(new("Signature-Input", signatureInput));
        added.Add(new("Signature", signatureValue));
        return added;
    }

    private static string[] DefaultComponents(SignableRequest request)
    {
        if (!request.CarriesBody)
        {
            return ["@method", "@target-uri"];
        }

        return request.Headers.Contains("Content-Type")
            ? ["@method", "@target-uri", "content-type", "content-digest"]
            : ["@method", "@target-uri", "content-digest"];
    }
}
