using Kindred.ActivityPub.Signatures;
using Kindred.ActivityPub.Signatures.StructuredFields;
using Kindred.ActivityPub.Tests.Support;

namespace Kindred.ActivityPub.Tests.Signatures;

/// <summary>
/// Known answers from the text of RFC 9421 §2.1 and §2.2: each component's signature base line for the
/// RFC's own example messages. Round trips through our signer cannot catch a wrong value (the signer and
/// the verifier would agree on it); these can.
/// </summary>
public sealed class SignatureBaseKnownAnswerTests
{
    /// <summary>The base line of one component (the lines before "@signature-params").</summary>
    private static string Line(SignableRequest request, string component)
    {
        var input = StructuredFieldParser.ParseDictionary($"sig=({component})").Single().InnerList!;
        Assert.True(Rfc9421SignatureBase.TryBuild(request, input, out var signatureBase, out var failure, out var message), $"{failure} {message}");
        Assert.Null(failure);
        return signatureBase[..signatureBase.LastIndexOf('\n')];
    }

    private static SignableRequest Message(string raw, string scheme = "https") => RawHttp.Parse(raw.Replace("\r\n", "\n", StringComparison.Ordinal), scheme);

    private const string PathQuery = "POST /path?param=value HTTP/1.1\nHost: www.example.com";

    [Theory]
    [InlineData("\"@method\"", "\"@method\": POST")]                                                 // §2.2.1
    [InlineData("\"@target-uri\"", "\"@target-uri\": https://www.example.com/path?param=value")]    // §2.2.2
    [InlineData("\"@authority\"", "\"@authority\": www.example.com")]                               // §2.2.3
    [InlineData("\"@scheme\"", "\"@scheme\": https")]                                               // §2.2.4
    [InlineData("\"@request-target\"", "\"@request-target\": /path?param=value")]                   // §2.2.5
    [InlineData("\"@path\"", "\"@path\": /path")]                                                   // §2.2.6
    [InlineData("\"@query\"", "\"@query\": ?param=value")]                                          // §2.2.7
    public void Derived_components_of_the_rfc_example_request(string component, string expected) =>
        Assert.Equal(expected, Line(Message(PathQuery), component));

    [Fact]
    public void Scheme_and_target_uri_over_plain_http()
    {
        // §2.2.4: the same request sent over plain HTTP.
        var request = Message(PathQuery, scheme: "http");
        Assert.Equal("\"@scheme\": http", Line(request, "\"@scheme\""));
        Assert.Equal("\"@target-uri\": http://www.example.com/path?param=value", Line(request, "\"@target-uri\""));
    }

    [Fact]
    public void Method_is_case_sensitive_and_authority_is_lower_cased()
    {
        // §2.2.1: the method is used as is; §2.2.3: the authority is normalised to lower case.
        var request = Message("get /path HTTP/1.1\nHost: WWW.Example.COM:8080");
        Assert.Equal("\"@method\": get", Line(request, "\"@method\""));
        Assert.Equal("\"@authority\": www.example.com:8080", Line(request, "\"@authority\""));
        Assert.Equal("\"@target-uri\": https://www.example.com:8080/path", Line(request, "\"@target-uri\""));
    }

    [Theory]
    [InlineData("POST /path?param=value&foo=bar&baz=bat%2Dman HTTP/1.1", "\"@query\": ?param=value&foo=bar&baz=bat%2Dman")] // §2.2.7
    [InlineData("POST /path?queryString HTTP/1.1", "\"@query\": ?queryString")]
    [InlineData("GET /path HTTP/1.1", "\"@query\": ?")]                                                                     // absent query
    [InlineData("GET /path? HTTP/1.1", "\"@query\": ?")]                                                                    // empty query
    public void Query(string requestLine, string expected) =>
        Assert.Equal(expected, Line(Message(requestLine + "\nHost: www.example.com"), "\"@query\""));

    [Theory]
    [InlineData("GET /path?param=value&foo=bar&baz=batman&qux= HTTP/1.1", "baz", "batman")]          // §2.2.8
    [InlineData("GET /path?param=value&foo=bar&baz=batman&qux= HTTP/1.1", "qux", "")]
    [InlineData("GET /path?param=value&foo=bar&baz=batman&qux= HTTP/1.1", "param", "value")]
    [InlineData("GET /parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something HTTP/1.1", "var", "this%20is%20a%20big%0Amultiline%20value")]
    [InlineData("GET /parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something HTTP/1.1", "bar", "with%20plus%20whitespace")]
    [InlineData("GET /parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something HTTP/1.1", "fa%C3%A7ade%22%3A%20", "something")]
    [InlineData("GET /path?flag&x=1 HTTP/1.1", "flag", "")]
    [InlineData("GET /path?=nameless&x=1 HTTP/1.1", "", "nameless")]
    [InlineData("GET /path?x=a=b HTTP/1.1", "x", "a%3Db")]
    public void Query_parameters(string requestLine, string name, string expected) =>
        Assert.Equal($"\"@query-param\";name=\"{name}\": {expected}", Line(Message(requestLine + "\nHost: www.example.com"), $"\"@query-param\";name=\"{name}\""));

    [Fact]
    public void Header_fields_are_trimmed_unfolded_and_combined()
    {
        // §2.1's example message.
        var request = Message(
            "GET /foo HTTP/1.1\n" +
            "Host: www.example.com\n" +
            "Date: Tue, 20 Apr 2021 02:07:56 GMT\n" +
            "Cache-Control: max-age=60\n" +
            "Cache-Control:    must-revalidate\n" +
            "Example-Dict:  a=1,    b=2;x=1;y=2,   c=(a   b   c)");
        request.Headers.Add("X-OWS-Header", "   Leading and trailing whitespace.   ");
        request.Headers.Add("X-Obs-Fold-Header", "Obsolete\r\n    line folding.");
        request.Headers.Add("X-Empty-Header", "");

        Assert.Equal("\"host\": www.example.com", Line(request, "\"host\""));
        Assert.Equal("\"date\": Tue, 20 Apr 2021 02:07:56 GMT", Line(request, "\"date\""));
        Assert.Equal("\"x-ows-header\": Leading and trailing whitespace.", Line(request, "\"x-ows-header\""));
        Assert.Equal("\"x-obs-fold-header\": Obsolete line folding.", Line(request, "\"x-obs-fold-header\""));
        Assert.Equal("\"cache-control\": max-age=60, must-revalidate", Line(request, "\"cache-control\""));
        Assert.Equal("\"example-dict\": a=1,    b=2;x=1;y=2,   c=(a   b   c)", Line(request, "\"example-dict\""));
        Assert.Equal("\"x-empty-header\": ", Line(request, "\"x-empty-header\""));
    }

    [Fact]
    public void The_whole_base_ends_with_the_signature_params_line_and_no_newline()
    {
        // §2.5's example, shortened to the components a request signature here uses.
        var request = Message(
            "POST /foo?param=Value&Pet=dog HTTP/1.1\n" +
            "Host: example.com\n" +
            "Content-Type: application/json\n" +
            "Content-Length: 18");
        var input = StructuredFieldParser.ParseDictionary("sig1=(\"@method\" \"@authority\" \"@path\" \"content-type\" \"content-length\");created=1618884475;keyid=\"test-key-rsa-pss\"").Single().InnerList!;
        Assert.True(Rfc9421SignatureBase.TryBuild(request, input, out var signatureBase, out _, out _));
        Assert.Equal(
            "\"@method\": POST\n" +
            "\"@authority\": example.com\n" +
            "\"@path\": /foo\n" +
            "\"content-type\": application/json\n" +
            "\"content-length\": 18\n" +
            "\"@signature-params\": (\"@method\" \"@authority\" \"@path\" \"content-type\" \"content-length\");created=1618884475;keyid=\"test-key-rsa-pss\"",
            signatureBase);
    }

    [Fact]
    public void Cavage_signing_string_uses_the_lower_cased_method_and_the_target_as_sent()
    {
        // draft-cavage-12 §2.3 and Appendix C.
        var request = Message("POST /foo?param=value&pet=dog HTTP/1.1\nHost: example.com\nDate: Sun, 05 Jan 2014 21:31:40 GMT");
        Assert.Equal(
            "(request-target): post /foo?param=value&pet=dog\nhost: example.com\ndate: Sun, 05 Jan 2014 21:31:40 GMT",
            CavageSigningString.Build(request, ["(request-target)", "host", "date"], null, null));
        Assert.Equal("(created): 1402170695\n(expires): 1402170699", CavageSigningString.Build(request, ["(created)", "(expires)"], 1402170695, 1402170699));
        Assert.Null(CavageSigningString.Build(request, ["(created)"], null, null));
        Assert.Null(CavageSigningString.Build(request, ["(expires)"], 1, null));
        Assert.Null(CavageSigningString.Build(request, ["digest"], null, null));
    }
}
