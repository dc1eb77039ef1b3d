using Kindred.Server.Web;
using Kindred.Server.Content;
using Kindred.Server.Features.Groups;
using Kindred.Server.Theming;

namespace Kindred.Server.Features.Threads;

/// <summary>
/// Words typed into a thread or reply form that could not be posted as sent: the session had ended (it expired, or the
/// password was changed on another device), or the form's token no longer fits. They are never lost and never stored:
/// they travel as hidden fields of the sign-in form and come back into the form they were typed in.
/// </summary>
public static class ThreadDrafts
{
    public const string Thread = "thread";
    public const string Reply = "reply";

    /// <summary>A draft: for a thread, <see cref="Target"/> is the group's slug; for a reply, the thread's id.</summary>
    public sealed record Draft(string Kind, string Target, string? Title, string? Content, string? ContentWarning, Guid? InReplyTo)
    {
        /// <summary>The hidden fields that carry it through the sign-in form.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Fields() =>
        [
            new("draftKind", Kind),
            new("draftTarget", Target),
            new("draftTitle", Title ?? ""),
            new("draftContent", Content ?? ""),
            new("draftContentWarning", ContentWarning ?? ""),
            new("draftInReplyTo", InReplyTo?.ToString() ?? ""),
        ];
    }

    public static Draft ForThread(string slug, IFormCollection form) =>
        new(Thread, slug, Forms.Value(form, "title"), Forms.Value(form, "content"), Forms.Value(form, "contentWarning"), null);

    public static Draft ForReply(Guid threadId, IFormCollection form) =>
        new(Reply, threadId.ToString(), null, Forms.Value(form, "content"), Forms.Value(form, "contentWarning"),
            Guid.TryParse(Forms.Value(form, "inReplyTo"), out var to) ? to : null);

    /// <summary>The draft the sign-in form carried, if any.</summary>
    public static Draft? From(IFormCollection form)
    {
        var kind = Forms.Value(form, "draftKind");
        var target = Forms.Value(form, "draftTarget");
        if (kind is not (Thread or Reply) || string.IsNullOrWhiteSpace(target))
        {
            return null;
        }

        return new Draft(kind, target, Forms.Value(form, "draftTitle"), Forms.Value(form, "draftContent"), Forms.Value(form, "draftContentWarning"),
            Guid.TryParse(Forms.Value(form, "draftInReplyTo"), out var to) ? to : null);
    }

    /// <summary>
    /// A thread or reply form whose token did not pass: when it came from this site, the words go back to the person
    /// (to sign in first, or straight back into the form); otherwise the usual "please try again".
    /// </summary>
    public static async Task<IResult> RescueAsync(HttpContext http, Pages pages, Func<IFormCollection, Draft> draftOf)
    {
        if (await Forms.ReadFromThisSiteAsync(http) is not { } form)
        {
            return await Forms.ExpiredAsync(http);
        }

        var draft = draftOf(form);
        if (http.Viewer() == Guid.Empty)
        {
            return await pages.RenderAsync(http, "signin", "Sign in to post", new
            {
                ReturnUrl = "/",
                Username = (string?)null,
                Error = (string?)null,
                Draft = draft.Fields().Select(f => new { Name = f.Key, f.Value }).ToList(),
            }, StatusCodes.Status401Unauthorized);
        }

        return await ResumeAsync(http, draft, "form-expired", StatusCodes.Status400BadRequest);
    }

    /// <summary>The form the draft was typed in, filled in again (after signing in, or after its token expired).</summary>
    public static async Task<IResult> ResumeAsync(HttpContext http, Draft draft, string notice, int status = StatusCodes.Status200OK)
    {
        var services = http.RequestServices;
        var pages = services.GetRequiredService<Pages>();
        var errors = new Dictionary<string, string>();
        if (draft.Kind == Thread)
        {
            var group = await services.GetRequiredService<GroupQueries>().FindAsync(draft.Target, http.Viewer(), http.RequestAborted);
            return group is { IsMember: true }
                ? await ThreadPages.ComposePage(http, pages, group, new StartThread.Input(draft.Title, draft.Content, draft.ContentWarning), errors, status, notice)
                : await FailurePages.FailureAsync(http, pages, Outcome<bool>.Forbidden("You are not a member of this group, so you cannot post in it."));
        }

        var threads = services.GetRequiredService<ThreadQueries>();
        var thread = Guid.TryParse(draft.Target, out var id) ? await threads.FindAsync(id, http.Viewer(), http.RequestAborted) : null;
        return thread is null
            ? await FailurePages.NotFoundAsync(http, pages)
            : await ThreadPages.ReplyPage(http, pages, services.GetRequiredService<SafeHtml>(), threads, thread, draft.InReplyTo,
                new ReplyToThread.Input(draft.Content, draft.ContentWarning, draft.InReplyTo), errors, status, notice);
    }
}
