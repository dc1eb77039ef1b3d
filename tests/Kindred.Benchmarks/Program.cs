using Kindred.Benchmarks;

// Benchmarks are programs you run, not timed tests (CI only builds them). See docs/performance.md.
//   dotnet run -c Release --project tests/Kindred.Benchmarks -- [signing] [fanout] [ingest] [memory] [--inboxes 1000,10000] [--activities 20000]
//   dotnet run -c Release --project tests/Kindred.Benchmarks -- sink --port N   (started by fanout itself)
if (args.Length > 0 && args[0] == "sink")
{
    await Sink.RunAsync(int.Parse(args[Array.IndexOf(args, "--port") + 1], System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

var all = !args.Contains("signing") && !args.Contains("fanout") && !args.Contains("ingest") && !args.Contains("memory");
var inboxes = args.Contains("--inboxes")
    ? args[Array.IndexOf(args, "--inboxes") + 1].Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray()
    : [1_000, 10_000];

Console.WriteLine($"Kindred benchmarks on {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
var signing = await SigningBenchmark.RunAsync();
if (all || args.Contains("fanout"))
{
    await FanOutBenchmark.RunAsync(inboxes, signing);
}

if (all || args.Contains("ingest"))
{
    var count = args.Contains("--activities") ? int.Parse(args[Array.IndexOf(args, "--activities") + 1], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
    await IngestBenchmark.RunAsync(count, concurrency: 64);
}

if (all || args.Contains("memory"))
{
    await IdleMemory.RunAsync();
}

return 0;
