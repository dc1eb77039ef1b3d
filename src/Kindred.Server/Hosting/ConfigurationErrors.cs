using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Hosting;

/// <summary>Prints configuration problems as a short list an operator can act on, without a stack trace.</summary>
public static class ConfigurationErrors
{
    public static void Print(OptionsValidationException ex)
    {
        Console.Error.WriteLine("Kindred cannot start because of its configuration:");
        foreach (var failure in ex.Failures)
        {
            Console.Error.WriteLine("  - " + failure);
        }

        Console.Error.WriteLine("Settings come from appsettings.json and from environment variables such as Kindred__PublicUrl. See docs/admin-guide.md.");
    }
}
