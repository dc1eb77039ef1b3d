using System.Diagnostics.CodeAnalysis;
using Kindred.ActivityPub.Discovery;

namespace Kindred.Server.Features.Groups;

/// <summary>
/// A group on another server, named by its address <c>name@host</c> (the WebFinger acct, RFC 7565). Local slugs cannot
/// contain '@', so wherever a slug goes, an address with '@' always means a remote group.
/// </summary>
public static class RemoteGroupAddress
{
    public static bool IsRemote(string? slugOrAddress) => slugOrAddress?.Contains('@', StringComparison.Ordinal) == true;

    /// <summary>Parses <c>name@host</c>, <c>@name@host</c> or <c>acct:name@host</c>; the slug is the lower-case <c>name@host</c>.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out AcctUri? acct) =>
        AcctUri.TryParse(text?.Trim(), out acct);
}
