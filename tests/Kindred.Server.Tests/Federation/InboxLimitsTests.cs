using System.Net;
using System.Text;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Federation;

public abstract class InboxLimitsTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;
    private Uri SharedInbox => new(Server.BaseAddress, "/inbox");

    [Theory]
    [InlineData(300 * 1024)]
    [InlineData(3 * 1024 * 1024)]
    public async Task A_chunked_body_over_the_limit_gets_413_like_one_with_a_length(int size)
    {
        using var remote = new FakeRemote();
        var huge = "{\"type\":\"Create\",\"actor\":\"" + remote.ActorId + "\",\"object\":\"" + new string('a', size) + "\"}";
        var response = await remote.PostSignedAsync(SharedInbox, huge, tamper: r =>
        {
            r.Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge)));
            r.Content.Headers.TryAddWithoutValidation("Content-Type", "application/activity+json");
            r.Headers.TransferEncodingChunked = true;
        });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }
}

public sealed class InboxLimitsTestsOnSqlite(FederatedSqliteServer f) : InboxLimitsTests<FederatedSqliteServer>(f);
