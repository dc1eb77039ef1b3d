using System.Security.Claims;
using Kindred.Server.Data;
using Kindred.Server.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Accounts;

/// <summary>
/// Issues the API's bearer tokens (JWT, HMAC-SHA256). The signing key is made on first start and kept in the
/// database, so every node of a PostgreSQL deployment accepts tokens issued by any other.
/// </summary>
public sealed class AccessTokens(InstanceSecrets secrets, IOptions<KindredOptions> options, TimeProvider time)
{
    private SymmetricSecurityKey? _key;

    public SymmetricSecurityKey Key => _key ?? throw new InvalidOperationException("Access tokens are used before start-up finished.");

    public string Issuer => options.Value.PublicUrl.TrimEnd('/');

    public async Task InitializeAsync(CancellationToken ct)
    {
        _key = new SymmetricSecurityKey(await secrets.GetOrCreateAsync(InstanceSecrets.TokenSigningKey, 32, ct)) { KeyId = "kindred-1" };
    }

    public (string Token, int ExpiresIn) Issue(User user)
    {
        var lifetime = TimeSpan.FromMinutes(options.Value.Security.AccessTokenMinutes);
        var now = time.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Issuer,
            Subject = new ClaimsIdentity(Sessions.Claims(user)),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        };
        return (new JsonWebTokenHandler().CreateToken(descriptor), (int)lifetime.TotalSeconds);
    }
}
