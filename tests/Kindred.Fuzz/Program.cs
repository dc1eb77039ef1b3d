using Kindred.Fuzz;
using SharpFuzz;

// Long-running fuzzing of everything in Kindred.ActivityPub that reads bytes from strangers.
// Not a test project and never run by CI; see docs/security.md ("Fuzzing") for the AFL++ and
// libFuzzer commands. Modes:
//   Kindred.Fuzz afl <target>                  under afl-fuzz (stdin or file, out of process)
//   Kindred.Fuzz libfuzzer <target>            under libfuzzer-dotnet
//   Kindred.Fuzz replay <target> <file|dir>... run saved inputs once each (crash triage, corpus check)
// Targets: json, cavage, structured-field, verify-cavage, verify-rfc9421.
if (args.Length < 2 || !Targets.All.TryGetValue(args[1], out var target))
{
    Console.Error.WriteLine($"usage: Kindred.Fuzz afl|libfuzzer|replay <{string.Join('|', Targets.All.Keys)}> [inputs...]");
    return 2;
}

switch (args[0])
{
    case "afl":
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target(buffer.ToArray());
        });
        return 0;
    case "libfuzzer":
        Fuzzer.LibFuzzer.Run(span => target(span.ToArray()));
        return 0;
    case "replay":
        var files = args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]).ToList();
        foreach (var file in files)
        {
            target(File.ReadAllBytes(file));
        }

        Console.WriteLine($"{files.Count} inputs ran through {args[1]} without an unexpected exception.");
        return 0;
    default:
        Console.Error.WriteLine($"unknown mode '{args[0]}'");
        return 2;
}
