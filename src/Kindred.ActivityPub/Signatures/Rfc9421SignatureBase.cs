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
    /// <param name="failure">Why it failed; null on success.</param>
    public static bool TryBuild(SignableRequest request, SfInnerList signatureInput, out string signatureBase, out SignatureFailure? failure, out string? message)
    {
        var problem = Build(request, signatureInput, out signatureBase);
        failure = problem?.Failure;
        message = problem?.Message;
        return problem is null;
    }

    /// <summary><see cref="TryBuild"/> for the verifier: null on success, else what failed.</summary>
    internal static (SignatureFailure Failure, string Message)? Build(SignableRequest request, SfInnerList signatureInput, out string signatureBase)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(signatureInput);
        signatureBase = "";
        var sb = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var component in signatureInput.Items)
        {
            if (component.Value is not string name || name.Length == 0)
            {
                return (SignatureFailure.Malformed, "Component identifiers are non-empty strings (§2).");
            }

            var identifier = StructuredFieldSerializer.SerializeItem(component);
            if (!seen.Add(identifier))
            {
                // §2.5 step 1: the same component MUST NOT be listed twice.
                return (SignatureFailure.Malformed, $"Component {identifier} listed twice.");
            }

            if (!string.Equals(name, name.ToLowerInvariant(), StringComparison.Ordinal) || name == "@signature-params")
            {
                // §2.1: field names are lower-cased; §2.3: @signature-params is never a covered component.
                return (SignatureFailure.Malformed, $"Invalid component name {identifier}.");
            }

            var (value, problem) = ComponentValue(request, name, component.Parameters);
            if (problem is not null)
            {
                return problem;
            }

            sb.Append(identifier).Append(": ").Append(value).Append('\n');
        }

        sb.Append("\"@signature-params\": ").Append(StructuredFieldSerializer.SerializeInnerList(signatureInput));
        signatureBase = sb.ToString();
        return null;
    }

    /// <summary>The component's value, or (when it has none) why not.</summary>
    private static (string? Value, (SignatureFailure Failure, string Message)? Problem) ComponentValue(SignableRequest request, string name, SfParameters parameters)
    {
        var allowed = name == "@query-param" ? "name" : null;
        var unsupported = parameters.Items.FirstOrDefault(p => p.Key != allowed).Key;
        if (unsupported is not null)
        {
            // §2.1 sf/key/bs/tr and §2.4 req are valid but not needed for ActivityPub; refusing is safe.
            return (null, (SignatureFailure.UnsupportedComponent, $"Component parameter ;{unsupported} is not supported."));
        }

        if (name == "@query-param" && parameters["name"] is not string)
        {
            return (null, (SignatureFailure.Malformed, "@query-param needs a name parameter (§2.2.8)."));
        }

        if (name[0] == '@' && name is not ("@method" or "@target-uri" or "@authority" or "@scheme" or "@request-target" or "@path" or "@query" or "@query-param"))
        {
            // @status is response-only (§2.2.9); anything else is not a derived component at all.
            return (null, (SignatureFailure.UnsupportedComponent, $"Derived component {name} is not supported on requests."));
        }

        string? found = name switch
        {
            "@method" => request.Method,                                          // §2.2.1
            "@target-uri" => request.Authority is { } a ? $"{request.Scheme}://{a}{request.Target}" : null, // §2.2.2
            "@authority" => request.Authority,                                    // §2.2.3
            "@scheme" => request.Scheme,                                          // §2.2.4
            "@request-target" => request.Target,                                  // §2.2.5
            "@path" => request.Path,                                              // §2.2.6 (the target starts with '/')
            "@query" => request.Query,                                            // §2.2.7
            "@query-param" => QueryParam(request, (string)parameters["name"]!),   // §2.2.8
            _ => request.Headers.GetCombined(name),                               // §2.1
        };
        // §2.5 step 2.2 (headers), §2.2.8 (a query parameter that is absent or repeated).
        return found is null
            ? (null, (SignatureFailure.MissingCoveredComponent, $"Covered component {name} is absent from the request."))
            : (found, null);
    }

    /// <summary>§2.2.8: the named query parameter, decoded as application/x-www-form-urlencoded and
    /// re-encoded with percent-encoding. A parameter present several times is refused (the RFC would
    /// need one line per occurrence; ActivityPub never signs such a thing).</summary>
    private static string? QueryParam(SignableRequest request, string wanted)
    {
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
