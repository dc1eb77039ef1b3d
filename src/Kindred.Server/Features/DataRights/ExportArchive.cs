using System.Data.Common;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.Server.Content;
using Kindred.Server.Web;

namespace Kindred.Server.Features.DataRights;

/// <summary>
/// Builds a member's export: a ZIP with <c>account.json</c> (the account and its consents), <c>posts.json</c> (every
/// thread and reply they wrote that is not deleted, with its group and thread), <c>reactions.json</c>,
/// <c>memberships.json</c>, <c>notifications.json</c>, an ActivityStreams <c>outbox.json</c> (an OrderedCollection of
/// <c>Create</c> activities other software can import) and a <c>README.txt</c> saying what each file holds. Reads only.
/// </summary>
public sealed class ExportArchive(ActorUrls urls, SafeHtml safe, TimeProvider time)
{
    public static readonly string[] Files = ["README.txt", "account.json", "posts.json", "reactions.json", "memberships.json", "notifications.json", "outbox.json"];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private const string Account = """
        SELECT id, username, email, display_name, role, status, created_at, time_zone, last_sign_in_at,
            guidelines_version, guidelines_accepted_at, consent_version, consent_given_at, age_confirmed_at, registration_reason
        FROM users WHERE id = @userId
        """;

    private const string Posts = """
        SELECT 'thread' AS kind, t.id AS id, t.id AS thread_id, t.title AS thread_title, g.slug AS group_slug, g.name AS group_name, g.origin AS group_origin,
            g.ap_id AS group_ap_id, t.title AS title, t.content AS content, t.content_warning AS content_warning, NULL AS in_reply_to,
            t.created_at AS created_at, t.edited_at AS edited_at
        FROM threads t JOIN groups g ON g.id = t.group_id
        WHERE t.author_id = @userId AND t.deleted_at IS NULL
        UNION ALL
        SELECT 'reply' AS kind, r.id, r.thread_id, t.title AS thread_title, g.slug AS group_slug, g.name AS group_name, g.origin AS group_origin,
            g.ap_id AS group_ap_id, NULL AS title, r.content, r.content_warning, r.in_reply_to, r.created_at, r.edited_at
        FROM replies r JOIN threads t ON t.id = r.thread_id JOIN groups g ON g.id = t.group_id
        WHERE r.author_id = @userId AND r.deleted_at IS NULL
        ORDER BY created_at, id
        """;

    private const string Reactions = """
        SELECT l.post_id AS post_id, l.created_at AS created_at, COALESCE(t.id, r.thread_id) AS thread_id, COALESCE(t.title, rt.title) AS thread_title,
            CASE WHEN t.id IS NULL THEN 'reply' ELSE 'thread' END AS kind, g.slug AS group_slug, g.name AS group_name
        FROM post_likes l
            LEFT JOIN threads t ON t.id = l.post_id
            LEFT JOIN replies r ON r.id = l.post_id
            LEFT JOIN threads rt ON rt.id = r.thread_id
            LEFT JOIN groups g ON g.id = l.group_id
        WHERE l.user_id = @userId
        ORDER BY created_at
        """;

    private const string Memberships = """
        SELECT g.slug AS group_slug, g.name AS group_name, g.origin AS group_origin, g.ap_id AS group_ap_id, m.role, m.label,
            'member' AS state, m.joined_at AS since
        FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = @userId
        UNION ALL
        SELECT g.slug, g.name, g.origin, g.ap_id, 'member', NULL, f.state, f.created_at
        FROM remote_group_follows f JOIN groups g ON g.id = f.group_id WHERE f.user_id = @userId
        UNION ALL
        SELECT g.slug, g.name, g.origin, g.ap_id, 'member', NULL, CASE WHEN j.kind = 'invite' THEN 'invited' ELSE 'requested' END, j.created_at
        FROM join_requests j JOIN groups g ON g.id = j.group_id WHERE j.user_id = @userId
        ORDER BY since
        """;

    private const string NotificationRows = """
        SELECT n.kind, n.created_at, n.read_at, n.thread_id, n.reply_id, t.title AS thread_title, g.slug AS group_slug,
            COALESCE(a.username, n.actor_name) AS actor_name
        FROM notifications n
            LEFT JOIN threads t ON t.id = n.thread_id
            LEFT JOIN groups g ON g.id = n.group_id
            LEFT JOIN users a ON a.id = n.actor_id
        WHERE n.user_id = @userId
        ORDER BY n.id
        """;

    /// <summary>Writes the ZIP for <paramref name="userId"/> to <paramref name="output"/>; <paramref name="progress"/> hears each step (percent).</summary>
    public async Task WriteAsync(DbConnection c, Guid userId, Stream output, Func<int, Task>? progress = null, CancellationToken ct = default)
    {
        progress ??= _ => Task.CompletedTask;
        var account = await c.QuerySingleOrDefaultAsync<AccountRow>(new CommandDefinition(Account, new { userId }, cancellationToken: ct))
                      ?? throw new InvalidOperationException("The account no longer exists.");
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);

        await WriteTextAsync(zip, "README.txt", Readme(account, time.GetUtcNow()));
        await WriteJsonAsync(zip, "account.json", new
        {
            account.Id,
            account.Username,
            account.Email,
            account.DisplayName,
            account.Role,
            account.Status,
            account.CreatedAt,
            account.TimeZone,
            account.LastSignInAt,
            actor = urls.User(account.Username),
            consents = new object[]
            {
                new { kind = "guidelines", version = account.GuidelinesVersion, at = account.GuidelinesAcceptedAt },
                new { kind = "processing-of-health-related-data", version = account.ConsentVersion, at = account.ConsentGivenAt },
                new { kind = "minimum-age", version = (string?)null, at = account.AgeConfirmedAt },
            },
            account.RegistrationReason,
        });
        await progress(15);

        var posts = (await c.QueryAsync<PostRow>(new CommandDefinition(Posts, new { userId }, cancellationToken: ct))).AsList();
        await WriteJsonAsync(zip, "posts.json", posts.Select(p => new
        {
            p.Kind,
            p.Id,
            group = new { slug = p.GroupSlug, name = p.GroupName, server = p.GroupOrigin },
            thread = new { id = p.ThreadId, title = p.ThreadTitle, url = urls.Thread(p.ThreadId) },
            p.Title,
            p.Content,
            p.ContentWarning,
            p.InReplyTo,
            p.CreatedAt,
            p.EditedAt,
            url = p.Kind == "thread" ? urls.Thread(p.Id) : urls.Reply(p.Id),
        }));
        await progress(40);

        var reactions = await c.QueryAsync<ReactionRow>(new CommandDefinition(Reactions, new { userId }, cancellationToken: ct));
        await WriteJsonAsync(zip, "reactions.json", reactions.Select(r => new
        {
            reaction = "I hear you",
            on = new { kind = r.Kind, id = r.PostId },
            thread = new { id = r.ThreadId, title = r.ThreadTitle },
            group = new { slug = r.GroupSlug, name = r.GroupName },
            r.CreatedAt,
        }));
        await progress(55);

        var memberships = await c.QueryAsync<MembershipRow>(new CommandDefinition(Memberships, new { userId }, cancellationToken: ct));
        await WriteJsonAsync(zip, "memberships.json", memberships.Select(m => new
        {
            group = new { slug = m.GroupSlug, name = m.GroupName, server = m.GroupOrigin, id = m.GroupApId },
            m.State,
            m.Role,
            m.Label,
            m.Since,
        }));
        await progress(65);

        var notifications = await c.QueryAsync<NotificationRow>(new CommandDefinition(NotificationRows, new { userId }, cancellationToken: ct));
        await WriteJsonAsync(zip, "notifications.json", notifications.Select(n => new
        {
            n.Kind, n.CreatedAt, n.ReadAt, n.ThreadId, n.ReplyId, n.ThreadTitle, group = n.GroupSlug, actor = n.ActorName,
        }));
        await progress(75);

        await WriteTextAsync(zip, "outbox.json", Outbox(account, posts).ToJsonString(Json));
        await progress(90);
    }

    /// <summary>The member's posts as an ActivityStreams OrderedCollection of Create activities (Page for threads, Note for replies).</summary>
    private JsonObject Outbox(AccountRow account, List<PostRow> posts)
    {
        var actor = urls.User(account.Username).AbsoluteUri;
        var items = new JsonArray();
        foreach (var p in posts)
        {
            var isThread = p.Kind == "thread";
            var id = (isThread ? urls.Thread(p.Id) : urls.Reply(p.Id)).AbsoluteUri;
            var group = p.GroupOrigin == "local" ? urls.Group(p.GroupSlug).AbsoluteUri : p.GroupApId;
            var obj = new JsonObject
            {
                ["id"] = id,
                ["type"] = isThread ? "Page" : "Note",
                ["attributedTo"] = actor,
                ["context"] = urls.Thread(p.ThreadId).AbsoluteUri,
                ["content"] = safe.FromMarkdown(p.Content).Value,
                ["mediaType"] = "text/html",
                ["source"] = new JsonObject { ["content"] = p.Content, ["mediaType"] = "text/markdown" },
                ["published"] = p.CreatedAt.ToString("O"),
                ["url"] = urls.Thread(p.ThreadId).AbsoluteUri,
            };
            if (isThread)
            {
                obj["name"] = p.Title;
            }
            else
            {
                obj["inReplyTo"] = (p.InReplyTo is { } parent ? urls.Reply(parent) : urls.Thread(p.ThreadId)).AbsoluteUri;
            }

            if (p.ContentWarning is { Length: > 0 } cw)
            {
                obj["summary"] = cw;
                obj["sensitive"] = true;
            }

            if (p.EditedAt is { } edited)
            {
                obj["updated"] = edited.ToString("O");
            }

            if (group is not null)
            {
                obj["audience"] = group;
                obj["to"] = new JsonArray(group);
            }

            items.Add(new JsonObject
            {
                ["id"] = id + "#create",
                ["type"] = "Create",
                ["actor"] = actor,
                ["published"] = p.CreatedAt.ToString("O"),
                ["object"] = obj,
            });
        }

        return new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams",
            ["id"] = actor + "/outbox",
            ["type"] = "OrderedCollection",
            ["totalItems"] = items.Count,
            ["orderedItems"] = items,
        };
    }

    private static string Readme(AccountRow a, DateTimeOffset at) => $"""
        Everything Kindred holds that you wrote, as {a.Username}, exported {at:yyyy-MM-dd HH:mm} UTC.

        account.json        your account: name, e-mail, role, when you joined, and the consents you gave (with their versions)
        posts.json          every thread and reply you wrote that is not deleted, with its group and thread
        reactions.json      every "I hear you" you gave
        memberships.json    the groups you belong to, and requests and invitations waiting for an answer
        notifications.json  your notifications
        outbox.json         your threads and replies as ActivityStreams (an OrderedCollection of Create activities),
                            which other fediverse software can import

        Keep this file somewhere safe: it may hold things you shared in confidence.
        """.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static async Task WriteJsonAsync<T>(ZipArchive zip, string name, T value)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        await using var s = entry.Open();
        await JsonSerializer.SerializeAsync(s, value, Json);
    }

    private static async Task WriteTextAsync(ZipArchive zip, string name, string text)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        await using var s = entry.Open();
        await s.WriteAsync(Encoding.UTF8.GetBytes(text));
    }

    private sealed record AccountRow
    {
        public Guid Id { get; init; }
        public string Username { get; init; } = "";
        public string Email { get; init; } = "";
        public string? DisplayName { get; init; }
        public string Role { get; init; } = "";
        public string Status { get; init; } = "";
        public DateTimeOffset CreatedAt { get; init; }
        public string? TimeZone { get; init; }
        public DateTimeOffset? LastSignInAt { get; init; }
        public string GuidelinesVersion { get; init; } = "";
        public DateTimeOffset GuidelinesAcceptedAt { get; init; }
        public string ConsentVersion { get; init; } = "";
        public DateTimeOffset ConsentGivenAt { get; init; }
        public DateTimeOffset? AgeConfirmedAt { get; init; }
        public string? RegistrationReason { get; init; }
    }

    private sealed record PostRow
    {
        public string Kind { get; init; } = "";
        public Guid Id { get; init; }
        public Guid ThreadId { get; init; }
        public string ThreadTitle { get; init; } = "";
        public string GroupSlug { get; init; } = "";
        public string GroupName { get; init; } = "";
        public string GroupOrigin { get; init; } = "local";
        public string? GroupApId { get; init; }
        public string? Title { get; init; }
        public string Content { get; init; } = "";
        public string? ContentWarning { get; init; }
        public Guid? InReplyTo { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset? EditedAt { get; init; }
    }

    private sealed record ReactionRow
    {
        public Guid PostId { get; init; }
        public string Kind { get; init; } = "";
        public Guid? ThreadId { get; init; }
        public string? ThreadTitle { get; init; }
        public string? GroupSlug { get; init; }
        public string? GroupName { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
    }

    private sealed record MembershipRow
    {
        public string GroupSlug { get; init; } = "";
        public string GroupName { get; init; } = "";
        public string GroupOrigin { get; init; } = "local";
        public string? GroupApId { get; init; }
        public string State { get; init; } = "";
        public string? Role { get; init; }
        public string? Label { get; init; }
        public DateTimeOffset Since { get; init; }
    }

    private sealed record NotificationRow
    {
        public string Kind { get; init; } = "";
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset? ReadAt { get; init; }
        public Guid? ThreadId { get; init; }
        public Guid? ReplyId { get; init; }
        public string? ThreadTitle { get; init; }
        public string? GroupSlug { get; init; }
        public string? ActorName { get; init; }
    }
}
