using System.CommandLine;
using Kindred.Server.Data;
using Kindred.Server.Federation.Keys;
using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace Kindred.Server.Cli;

/// <summary>
/// <c>admin rotate-keys [--actor-keys] [--api-token-key] [--data-protection]</c>: replace the instance's keys after a
/// suspected leak, or as routine. Run it with Kindred stopped on every node (running nodes cache keys), then start them.
/// </summary>
public static class KeyCommands
{
    public static void AddTo(Command admin, string[] configArgs, TextWriter stdout, TextWriter stderr)
    {
        var actorKeys = new Option<bool>("--actor-keys") { Description = "New signing keys for every member, group and the instance actor; other servers are sent an Update so they refetch them." };
        var apiTokenKey = new Option<bool>("--api-token-key") { Description = "A new key for signing API tokens: every API token stops working; apps sign in again." };
        var dataProtection = new Option<bool>("--data-protection") { Description = "A new Data Protection key (encrypts actor keys, secrets, cookies); stored secrets are encrypted again with it." };
        var rotate = new Command("rotate-keys", "Replace the instance's keys. Stop Kindred on every node first, and start it again afterwards.")
        {
            actorKeys, apiTokenKey, dataProtection,
        };
        rotate.SetAction((parse, ct) => AdminCli.WithServices(configArgs, stderr, async services =>
        {
            bool actors = parse.GetValue(actorKeys), tokens = parse.GetValue(apiTokenKey), ring = parse.GetValue(dataProtection);
            if (!actors && !tokens && !ring)
            {
                await stderr.WriteLineAsync("error: say what to rotate: --actor-keys, --api-token-key and/or --data-protection (see the admin guide, \"Rotating keys\").");
                return 1;
            }

            // The ring first, so that everything re-encrypted or generated below is protected with the new key.
            if (ring)
            {
                var now = DateTimeOffset.UtcNow;
                services.GetRequiredService<IKeyManager>().CreateNewKey(now, now.AddDays(90));
                var secrets = await services.GetRequiredService<InstanceSecrets>().ReprotectAllAsync(ct);
                var keys = await services.GetRequiredService<ActorKeys>().ReprotectAllAsync(ct);
                await stdout.WriteLineAsync($"New Data Protection key made; {secrets} instance secret(s) and {keys} actor key(s) encrypted again with it. " +
                                            "Older keys stay in the ring to read existing sessions until they expire.");
            }

            if (tokens)
            {
                await services.GetRequiredService<InstanceSecrets>().ReplaceAsync(InstanceSecrets.TokenSigningKey, 32, ct);
                await stdout.WriteLineAsync("New API token signing key: every API token issued so far no longer works; apps must sign in again.");
            }

            if (actors)
            {
                var result = await services.GetRequiredService<KeyRotation>().RotateActorKeysAsync(ct);
                await stdout.WriteLineAsync($"New signing keys for {result.Actors} actor(s); {result.Deliveries} deliveries of {result.Updates} Update(s) queued " +
                                            "to tell other servers (sent when Kindred runs again).");
            }

            await stdout.WriteLineAsync("Now start Kindred again on every node: running nodes keep the old keys until they restart.");
            return 0;
        }));
        admin.Subcommands.Add(rotate);
    }
}
