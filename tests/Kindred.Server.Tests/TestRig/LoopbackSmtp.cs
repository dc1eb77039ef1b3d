using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Kindred.Server.Tests.TestRig;

/// <summary>
/// A real SMTP server (the SmtpServer package) in the test process, on a <see cref="LoopbackPort"/> held for the whole
/// test: it can be down (nothing listens: connection refused, like a relay that is down), started, stopped and started
/// again on the same port. Every message it accepts is kept, parsed by MimeKit. Recipients whose address starts with
/// <c>refuse</c> are refused with 550 (a permanent SMTP failure).
/// </summary>
public sealed class LoopbackSmtp : IAsyncDisposable
{
    private readonly LoopbackPort _port = LoopbackPort.Reserve();
    private CancellationTokenSource? _running;
    private Task? _serving;

    public int Port => _port.Port;
    public string Host => _port.Address;

    public ConcurrentQueue<MimeMessage> Received { get; } = new();

    public IReadOnlyList<MimeMessage> To(string address) =>
        Received.Where(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, address, StringComparison.OrdinalIgnoreCase))).ToList();

    /// <summary>Settings that send Kindred's mail here.</summary>
    public void Configure(Dictionary<string, string?> settings)
    {
        settings["Kindred:Mail:Mode"] = "smtp";
        settings["Kindred:Mail:Host"] = Host;
        settings["Kindred:Mail:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Kindred:Mail:Security"] = "none";
        settings["Kindred:Mail:From"] = "Kindred test <no-reply@kindred.test>";
    }

    public static async Task<LoopbackSmtp> StartAsync()
    {
        var smtp = new LoopbackSmtp();
        await smtp.UpAsync();
        return smtp;
    }

    /// <summary>Starts listening (returns once it accepts connections); a no-op when it is up.</summary>
    public async Task UpAsync()
    {
        if (_running is not null)
        {
            return;
        }

        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(b => b.Endpoint(new IPEndPoint(IPAddress.Parse(Host), Port)))
            .Build();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = new SmtpServer.Net.EndpointListenerFactory();
        listeners.EndpointStarted += (_, _) => started.TrySetResult();
        var services = new ServiceProvider();
        services.Add(new Store(this));
        services.Add(new Filter());
        services.Add(listeners);
        var server = new SmtpServer.SmtpServer(options, services);
        _running = new CancellationTokenSource();
        _serving = server.StartAsync(_running.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Stops listening; the port stays held, so connections are refused until <see cref="UpAsync"/>.</summary>
    public async Task DownAsync()
    {
        if (_running is null)
        {
            return;
        }

        await _running.CancelAsync();
        try
        {
            await _serving!;
        }
        catch (OperationCanceledException)
        {
        }

        _running.Dispose();
        _running = null;
    }

    public async ValueTask DisposeAsync()
    {
        await DownAsync();
        _port.Dispose();
    }

    private sealed class Store(LoopbackSmtp owner) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
            CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            owner.Received.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }

    private sealed class Filter : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken) =>
            Task.FromResult(!to.User.StartsWith("refuse", StringComparison.OrdinalIgnoreCase));
    }
}
