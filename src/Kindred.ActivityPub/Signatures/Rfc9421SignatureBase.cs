using System.Text;
using Kindred.ActivityPub.Signatures.StructuredFields;

namespace Kindred.ActivityPub.Signatures;

/// <summary>Builds the RFC 9421 §2.5 signature base for a request.</summary>
public static class Rfc9421SignatureBase
{
    /// <summary>
    /// Builds the base for the covered components and signature parameters of one signature:
    /// one <c>"name";params: value</c> line per component, then the <c>"@signature-params"</c> line,
    /// LF-separated with no trailing newline (§2.5). Fails (with a reason) when a component is absent,
    /// duplicated, not lower-case, or one we do not compute.
    /// </summary>
    public static bool TryBuild(SignableRequest request, SfInnerList signatureInput, out string signatureBase, out SignatureFailure failure, out string? message)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(signatureInput);
        signatureBase = "";
        failure = SignatureFailure.None;
        message = null;
        var sb = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var component in signatureInput.Items)
        {
            if (component.Value is not string name || name.Length == 0)
            {
                (failure, message) = (SignatureFailure.Malformed, "Component identifiers are strings.");
                return false;
            }

            var identifier = StructuredFieldSerializer.SerializeItem(component);
            if (!seen.Add(identifier))
            {
                // §2.5 step 1: the same component MUST NOT be listed twice.
                (failure, message) = (SignatureFailure.Malformed, $"Component {identifier} listed twice.");
                return false;
            }

            if (!string.Equals(name, name.ToLowerInvariant(), StringComparison.Ordinal) || name == "@signature-params")
            {
                (failure, message) = (SignatureFailure.Malformed, $"Invalid component name {identifier}.");
                return false;
            }

            var value = ComponentValue(request, name, component.Parameters, out failure, out message);
            if (value is null)
            {
                return false;
            }

            sb.Append(identifier).Append(": ").Append(value).Append('\n');
        }

        sb.Append("\"@signature-params\": ").Append(StructuredFieldSerializer.SerializeInnerList(signatureInput));
        signatureBase = sb.ToString();
        return true;
    }

    private static string? ComponentValue(SignableRequest request, string name, SfParameters parameters, out SignatureFailure failure, out string? message)
    {
        failure = SignatureFailure.None;
        message = null;
        var allowed = name == "@query-param" ? new[] { "name" } : [];
        var unsupported = parameters.Items.FirstOrDefault(p => !allowed.Contains(p.Key)).Key;
        if (unsupported is not null)
        {
            // §2.1 sf/key/bs/tr and §2.4 req are valid but not needed for ActivityPub; refusing is safe.
            (failure, message) = (SignatureFailure.UnsupportedComponent, $"Component parameter ;{unsupported} is not supported.");
            return null;
        }

        string? value = name switch
        {
            "@method" => request.Method,                                          // §2.2.1
            "@target-uri" => request.Authority is { } a ? $"{request.Scheme}://{a}{request.Target}" : null, // §2.2.2
            "@authority" => request.Authority,                                    // §2.2.3
            "@scheme" => request.Scheme,                                          // §2.2.4
            "@request-target" => request.Target,                                  // §2.2.5
            "@path" => request.Path.Length == 0 ? "/" : request.Path,             // §2.2.6
            "@query" => request.Query,                                            // §2.2.7
            "@query-param" => QueryParam(request, parameters["name"] as string),  // §2.2.8
            _ when name[0] == '@' => null,                                        // @status is response-only
            _ => request.Headers.GetCombined(name),                               // §2.1
        };
        if (value is null)
        {
            (failure, message) = name[0] == '@' && name is not ("@target-uri" or "@authority" or "@query-param")
                ? (SignatureFailure.UnsupportedComponent, $"Derived component {name} is not supported on requests.")
                : (SignatureFailure.MissingCoveredComponent, $"Covered component {name} is absent from the request.");
        }

        return value;
    }

    /// <summary>§2.2.8: the named query parameter, decoded as application/x-www-form-urlencoded and
    /// re-encoded with percent-encoding. A parameter present several times is refused (the RFC would
    /// need one line per occurrence; ActivityPub never signs such a thing).</summary>
    private static string? QueryParam(SignableRequest request, string? wanted)
    {
        if (wanted is null)
        {
            return null;
        }

        string? found = null;
        foreach (var pair in request.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(eq < 0 ? pair : pair[..eq]);
            if (Uri.EscapeDataString(name) != wanted && name != wanted)
            {
                continue;
            }

            if (found is not null)
            {
                return null;
            }

            found = Uri.EscapeDataString(eq < 0 ? "" : Decode(pair[(eq + 1)..]));
        }

        return found;

        static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
    }
}
