using System.Diagnostics;
using System.Text;
using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures;

namespace Kindred.Benchmarks;

/// <summary>The limit every delivery pays: one RSA-2048 draft-cavage signature (plus the SHA-256 digest of the body).</summary>
public sealed record SigningResult(double PerCore, double AllCores);

public static class SigningBenchmark
{
    public static Task<SigningResult> RunAsync()
    {
        using var key = SigningKey.FromPkcs8("https://bench.test/users/a#main-key", KeyGeneration.GenerateRsa().Pkcs8PrivateKey);
        var signer = new CavageSigner(TimeProvider.System);
        var body = Encoding.UTF8.GetBytes(new string('x', 1500));
        var url = new Uri("https://h1.bench.test/inbox");

        long SignFor(TimeSpan duration)
        {
            var n = 0L;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < duration)
            {
                signer.Sign(SignableRequest.Create("POST", url, body, "application/activity+json"), key);
                n++;
            }

            return n;
        }

        SignFor(TimeSpan.FromSeconds(0.5)); // warm up (JIT, tiered compilation)
        var seconds = 3.0;
        var perCore = SignFor(TimeSpan.FromSeconds(seconds)) / seconds;
        var counts = new long[Environment.ProcessorCount];
        Parallel.For(0, counts.Length, new ParallelOptions { MaxDegreeOfParallelism = counts.Length }, i => counts[i] = SignFor(TimeSpan.FromSeconds(seconds)));
        var allCores = counts.Sum() / seconds;
        Console.WriteLine($"signing: RSA-2048 cavage signatures {perCore:N0}/s on one core, {allCores:N0}/s on {counts.Length} cores ({1000 / perCore:N3} ms each)");
        return Task.FromResult(new SigningResult(perCore, allCores));
    }
}
