using System.Text;
using System.Text.Json;
using Kindred.ActivityPub.Signatures;

namespace Kindred.ActivityPub.Tests.Support;

/// <summary>A clock that stands still at a chosen instant.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

internal static class Fixtures
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative));

    public static JsonElement Json(string relative)
    {
        using var doc = JsonDocument.Parse(Read(relative));
        return doc.RootElement.Clone();
    }
}

/// <summary>Turns the vectors' raw HTTP text (LF line ends) into a <see cref="SignableRequest"/>.</summary>
internal static class RawHttp
{
    public static SignableRequest Parse(string raw, string scheme = "https")
    {
        var split = raw.IndexOf("\n\n", StringComparison.Ordinal);
        var head = split < 0 ? raw : raw[..split];
        var body = split < 0 ? "" : raw[(split + 2)..];
        var lines = head.Split('\n');
        var start = lines[0].Split(' ');
        var headers = new HeaderCollection();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(line[..colon], line[(colon + 1)..].Trim());
        }

        return new SignableRequest(start[0], start[1], headers, Encoding.UTF8.GetBytes(body), scheme);
    }

    public static SignableRequest FromVectorMessage(JsonElement message)
    {
        var start = message.GetProperty("startLine").GetString()!.Split(' ');
        var headers = new HeaderCollection();
        foreach (var pair in message.GetProperty("headers").EnumerateArray())
        {
            headers.Add(pair[0].GetString()!, pair[1].GetString()!);
        }

        return new SignableRequest(start[0], start[1], headers, Encoding.UTF8.GetBytes(message.GetProperty("body").GetString()!));
    }
}
