using System.Globalization;
using System.Text;

namespace Kindred.ActivityPub.Signatures.StructuredFields;

/// <summary>RFC 8941 §4.1 serialisation. RFC 9421 §2.3 builds the <c>@signature-params</c> line
/// and component identifiers from this canonical form.</summary>
public static class StructuredFieldSerializer
{
    public static string SerializeInnerList(SfInnerList list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var sb = new StringBuilder("(");
        for (var i = 0; i < list.Items.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }

            sb.Append(SerializeItem(list.Items[i]));
        }

        return sb.Append(')').Append(SerializeParameters(list.Parameters)).ToString();
    }

    public static string SerializeItem(SfItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return SerializeBareItem(item.Value) + SerializeParameters(item.Parameters);
    }

    public static string SerializeParameters(SfParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var sb = new StringBuilder();
        foreach (var (key, value) in parameters.Items)
        {
            sb.Append(';').Append(key);
            if (value is not true)
            {
                sb.Append('=').Append(SerializeBareItem(value));
            }
        }

        return sb.ToString();
    }

    public static string SerializeBareItem(object value) => value switch
    {
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        decimal d => SerializeDecimal(d),
        string s => SerializeString(s),
        SfToken t => t.Value,
        byte[] b => ":" + Convert.ToBase64String(b) + ":",
        bool b => b ? "?1" : "?0",
        _ => throw new ArgumentException($"Unsupported structured field value type {value?.GetType().Name}.", nameof(value)),
    };

    private static string SerializeDecimal(decimal d)
    {
        var rounded = Math.Round(d, 3, MidpointRounding.ToEven);
        var text = rounded.ToString("0.0##", CultureInfo.InvariantCulture);
        return text;
    }

    private static string SerializeString(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            if (c is < ' ' or > '~')
            {
                throw new ArgumentException("Structured field strings are printable ASCII only.", nameof(s));
            }

            if (c is '"' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.Append('"').ToString();
    }
}
