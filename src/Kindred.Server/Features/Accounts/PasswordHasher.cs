using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kindred.Server.Configuration;
using Microsoft.Extensions.Options;
using NSec.Cryptography;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Accounts;

/// <summary>
/// Argon2id (RFC 9106) through NSec/libsodium. Hashes are stored in the PHC string format
/// <c>$argon2id$v=19$m=65536,t=3,p=1$salt$hash</c> so the parameters travel with each hash and can be raised
/// later: <see cref="NeedsRehash"/> tells sign-in to re-hash with the current parameters.
/// <para>
/// Each derivation takes <c>Argon2MemoryKiB</c> of memory (64 MiB by default) and a core for a while, so requests
/// hash through a gate: at most <c>Kindred:Security:MaxConcurrentPasswordHashes</c> at once, a few more waiting
/// briefly, and beyond that <see cref="PasswordHashingBusyException"/> (answered 429). 200 parallel sign-ins then
/// cost two derivations' memory, not two hundred. The synchronous methods are ungated (the admin CLI, tests).
/// </para>
/// </summary>
public sealed class PasswordHasher(IOptions<KindredOptions> options)
{
    private const int SaltBytes = 16; // NSec's Argon2id takes exactly 16 bytes of salt.
    private const int HashBytes = 32;

    /// <summary>How long a request waits for a free slot before it is told to come back (429).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.Value.Security.MaxConcurrentPasswordHashes));
    private int _waiting;
    private int _running;
    private int _mostAtOnce;

    /// <summary>The most derivations that ever ran at the same time in this process (tests, diagnostics).</summary>
    public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

    public async Task<string> HashAsync(string password, CancellationToken ct)
    {
        using var slot = await EnterAsync(ct);
        return Hash(password);
    }

    public async Task<bool> VerifyAsync(string password, string stored, CancellationToken ct)
    {
        using var slot = await EnterAsync(ct);
        return Verify(password, stored);
    }

    public async Task SpendEquivalentTimeAsync(string password, CancellationToken ct)
    {
        using var slot = await EnterAsync(ct);
        SpendEquivalentTime(password);
    }

    private async Task<Slot> EnterAsync(CancellationToken ct)
    {
        var security = options.Value.Security;
        if (Interlocked.Increment(ref _waiting) > Math.Max(1, security.MaxQueuedPasswordHashes) + security.MaxConcurrentPasswordHashes)
        {
            Interlocked.Decrement(ref _waiting);
            throw new PasswordHashingBusyException();
        }

        try
        {
            if (!await _slots.WaitAsync(MaxWait, ct))
            {
                throw new PasswordHashingBusyException();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        return new Slot(_slots);
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        public void Dispose() => slots.Release();
    }

    private int MemoryKiB => options.Value.Security.Argon2MemoryKiB;
    private int Passes => options.Value.Security.Argon2Passes;

    public string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, MemoryKiB, Passes);
        return string.Create(CultureInfo.InvariantCulture,
            $"$argon2id$v=19$m={MemoryKiB},t={Passes},p=1${B64(salt)}${B64(hash)}");
    }

    public bool Verify(string password, string stored)
    {
        if (!TryParse(stored, out var m, out var t, out var salt, out var expected))
        {
            return false;
        }

        var actual = Derive(password, salt, m, t);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    public bool NeedsRehash(string stored) =>
        !TryParse(stored, out var m, out var t, out _, out _) || m != MemoryKiB || t != Passes;

    /// <summary>Spends the same time as a real check, so "no such user" and "wrong password" cannot be told apart by timing.</summary>
    public void SpendEquivalentTime(string password) => Derive(password, new byte[SaltBytes], MemoryKiB, Passes);

    private byte[] Derive(string password, byte[] salt, int memoryKiB, int passes)
    {
        var running = Interlocked.Increment(ref _running);
        try
        {
            for (var most = Volatile.Read(ref _mostAtOnce); running > most; most = Volatile.Read(ref _mostAtOnce))
            {
                Interlocked.CompareExchange(ref _mostAtOnce, running, most);
            }

            return DeriveOnce(password, salt, memoryKiB, passes);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    private static byte[] DeriveOnce(string password, byte[] salt, int memoryKiB, int passes)
    {
        var algorithm = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
        {
            DegreeOfParallelism = 1, // the only value libsodium supports
            MemorySize = memoryKiB,
            NumberOfPasses = passes,
        });
        return algorithm.DeriveBytes(Encoding.UTF8.GetBytes(password), salt, HashBytes);
    }

    private static bool TryParse(string stored, out int memoryKiB, out int passes, out byte[] salt, out byte[] hash)
    {
        memoryKiB = passes = 0;
        salt = hash = [];
        var parts = stored.Split('$');
        // "", "argon2id", "v=19", "m=..,t=..,p=1", salt, hash
        if (parts.Length != 6 || parts[1] != "argon2id" || parts[2] != "v=19")
        {
            return false;
        }

        foreach (var kv in parts[3].Split(','))
        {
            var pair = kv.Split('=');
            if (pair.Length != 2 || !int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }

            switch (pair[0])
            {
                case "m": memoryKiB = n; break;
                case "t": passes = n; break;
                case "p" when n != 1: return false;
            }
        }

        try
        {
            salt = FromB64(parts[4]);
            hash = FromB64(parts[5]);
        }
        catch (FormatException)
        {
            return false;
        }

        return memoryKiB > 0 && passes > 0 && salt.Length == SaltBytes && hash.Length > 0;
    }

    // PHC strings use unpadded standard base64.
    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[] FromB64(string s) => Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
}

/// <summary>Too many passwords are being hashed at once; the request should be retried in a few seconds (429).</summary>
public sealed class PasswordHashingBusyException : Exception
{
    public PasswordHashingBusyException()
        : base("Too many sign-ins are being checked at once; try again in a few seconds.")
    {
    }

    public PasswordHashingBusyException(string message)
        : base(message)
    {
    }

    public PasswordHashingBusyException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
