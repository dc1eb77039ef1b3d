using Kindred.Server.Features.Accounts;
using Kindred.Server.Configuration;
using Kindred.Server.Theming;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Admin;

/// <summary>Admin pages: instance settings, the registration queue and invites.</summary>
public static class AdminPages
{
    public const int MaxNameLength = 80;
    public const int MaxDescriptionLength = 500;
    public const int MaxGuidelinesLength = 20_000;

    public static IEndpointRouteBuilder MapAdminPages(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").RequireAuthorization(Policies.Admin);

        admin.MapGet("", async (HttpContext http, Pages pages, InstanceSettings settings) =>
            await SettingsPage(http, pages, await settings.GetAsync(http.RequestAborted), new Dictionary<string, string>()));

        admin.MapPost("/settings", async (HttpContext http, Pages pages, InstanceSettings settings) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var changed = new InstanceSettingsSnapshot(
                InstanceName: (Forms.Value(form, "instanceName") ?? "").Trim(),
                Description: (Forms.Value(form, "description") ?? "").Trim(),
                RegistrationMode: (Forms.Value(form, "registrationMode") ?? "").Trim().ToLowerInvariant(),
                Guidelines: Forms.Value(form, "guidelines") ?? "",
                GuidelinesVersion: 0,
                AllowSearchIndexing: Forms.Checked(form, "allowSearchIndexing"));
            var errors = new Dictionary<string, string>();
            if (changed.InstanceName.Length is 0 or > MaxNameLength)
            {
                errors["instanceName"] = $"Give the instance a name of 1 to {MaxNameLength} characters.";
            }

            if (changed.Description.Length > MaxDescriptionLength)
            {
                errors["description"] = $"Keep the description under {MaxDescriptionLength} characters.";
            }

            if (!RegistrationOptions.Modes.Contains(changed.RegistrationMode))
            {
                errors["registrationMode"] = "Choose one of the registration modes.";
            }

            if (string.IsNullOrWhiteSpace(changed.Guidelines) || changed.Guidelines.Length > MaxGuidelinesLength)
            {
                errors["guidelines"] = $"The guidelines cannot be empty and must be under {MaxGuidelinesLength} characters.";
            }

            if (errors.Count > 0)
            {
                return await SettingsPage(http, pages, changed, errors, StatusCodes.Status400BadRequest);
            }

            await settings.SaveAsync(changed, http.RequestAborted);
            return Results.Redirect("/admin?notice=settings-saved");
        });

        admin.MapGet("/registrations", async (HttpContext http, Pages pages, UserStore users, Invites invites, InstanceSettings settings, TimeProvider time) =>
        {
            var s = await settings.GetAsync(http.RequestAborted);
            var now = time.GetUtcNow();
            return await pages.RenderAsync(http, "admin-registrations", "Registrations", new
            {
                Mode = s.RegistrationMode,
                Pending = (await users.ListPendingAsync(http.RequestAborted)).Select(u => new { u.Id, u.Username, u.Email, CreatedAt = u.CreatedAt.UtcDateTime, u.RegistrationReason }).ToList(),
                Invites = (await invites.ListAsync(http.RequestAborted)).Select(i => new
                {
                    i.Id, i.Code, CreatedAt = i.CreatedAt.UtcDateTime, ExpiresAt = i.ExpiresAt?.UtcDateTime, i.MaxUses, i.Uses, i.Note,
                    Usable = i.IsUsable(now),
                    Revoked = i.RevokedAt is not null,
                }).ToList(),
            });
        });

        admin.MapPost("/registrations/{id:guid}/{decision:regex(^(approve|decline)$)}", async (Guid id, string decision, HttpContext http, UserStore users) =>
        {
            if (await Forms.ReadAsync(http) is null)
            {
                return await Forms.ExpiredAsync(http);
            }

            var done = decision == "approve" ? await users.ApproveAsync(id, http.RequestAborted) : await users.DeclineAsync(id, http.RequestAborted);
            return done ? Results.Redirect($"/admin/registrations?notice={decision}d") : Results.NotFound();
        });

        admin.MapPost("/invites", async (HttpContext http, Invites invites) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var maxUses = int.TryParse(Forms.Value(form, "maxUses"), out var m) ? m : 1;
            int? days = int.TryParse(Forms.Value(form, "validDays"), out var d) ? d : null;
            await invites.CreateAsync(RequestContext.UserId(http.User), maxUses, days, Forms.Value(form, "note"), http.RequestAborted);
            return Results.Redirect("/admin/registrations?notice=invite-created");
        });

        admin.MapPost("/invites/{id:guid}/revoke", async (Guid id, HttpContext http, Invites invites) =>
        {
            if (await Forms.ReadAsync(http) is null)
            {
                return await Forms.ExpiredAsync(http);
            }

            await invites.RevokeAsync(id, http.RequestAborted);
            return Results.Redirect("/admin/registrations?notice=invite-revoked");
        });

        return app;
    }

    private static Task<IResult> SettingsPage(HttpContext http, Pages pages, InstanceSettingsSnapshot s, Dictionary<string, string> errors, int status = 200) =>
        pages.RenderAsync(http, "admin-settings", "Instance settings", new
        {
            Settings = s,
            Modes = RegistrationOptions.Modes,
            Errors = errors,
        }, status);
}
