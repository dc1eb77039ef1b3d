using Kindred.Server.Features.Accounts;
using Kindred.Server.Hosting;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;
using Kindred.Server.Configuration;

namespace Kindred.Server.Tests.Foundation;

public sealed class PasswordHasherTests
{
    private static PasswordHasher Hasher(int memory = 8192, int passes = 1) =>
        new(Options.Create(new KindredOptions { Security = new SecurityOptions { Argon2MemoryKiB = memory, Argon2Passes = passes } }));

    [Fact]
    public void Hashes_verify_only_the_right_password_and_are_salted()
    {
        var hasher = Hasher();
        var a = hasher.Hash("correct horse battery staple");
        var b = hasher.Hash("correct horse battery staple");
        Assert.NotEqual(a, b);
        Assert.True(hasher.Verify("correct horse battery staple", a));
        Assert.False(hasher.Verify("correct horse battery stapler", a));
        Assert.False(hasher.Verify("correct horse battery staple", "$argon2id$v=19$m=8192,t=1,p=1$garbage$garbage"));
        Assert.False(hasher.Verify("x", "not a hash"));
    }

    [Fact]
    public void Parameter_changes_are_detected_for_rehashing()
    {
        var stored = Hasher(8192, 1).Hash("a passphrase here");
        Assert.False(Hasher(8192, 1).NeedsRehash(stored));
        Assert.True(Hasher(8192, 2).NeedsRehash(stored));
        Assert.True(Hasher(16384, 1).NeedsRehash(stored));
        // Old hashes still verify after the parameters change.
        Assert.True(Hasher(16384, 2).Verify("a passphrase here", stored));
    }
}
