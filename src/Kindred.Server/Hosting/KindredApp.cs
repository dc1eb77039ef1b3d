using Kindred.Server.Configuration;
using System.Net;
using Kindred.Server.Data;
using Kindred.Server.Federation;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Federation.Inbox;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Features.Admin;
using Kindred.Server.Features.Groups;
using Kindred.Server.Features.Help;
using Kindred.Server.Features.Home;
using Kindred.Server.Features.Notifications;
using Kindred.Server.Features.Reactions;
using Kindred.Server.Features.Threads;
using Kindred.Server.Theming;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Hosting;

/// <summary>Composes the application: a readable list of AddX()/MapX() calls. Tests build the app through here too.</summary>
public static class KindredApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json and the themes travel with the binary; ./data stays relative to where Kindred is started.
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder);

        var options = builder.Configuration.GetSection(KindredOptions.Section).Get<KindredOptions>() ?? new KindredOptions();
        builder.Services.AddSingleton<IValidateOptions<KindredOptions>, KindredOptionsValidator>();
        builder.Services.AddOptions<KindredOptions>().Bind(builder.Configuration.GetSection(KindredOptions.Section));

        builder.Services.AddKindredLogging(builder.Configuration, builder.Logging);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddKindredData(options);
        builder.Services.AddKindredWeb(options);
        builder.Services.AddKindredAuth(options);
        builder.Services.AddKindredAccounts();
        builder.Services.AddKindredGroups();
        builder.Services.AddKindredTheming();
        builder.Services.AddKindredFederation(builder.Configuration);
        builder.Services.AddKindredDelivery(builder.Configuration);
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        var app = builder.Build();

        app.UseForwardedHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseKindredSecurityHeaders();
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = app.Services.GetRequiredService<ThemeEngine>().AssetFiles(),
            RequestPath = "/assets",
            OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl = "public, max-age=3600",
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
        // Group and thread URLs are also ActivityPub documents; Federation answers those requests (content negotiation).
        app.UseActivityPubNegotiation();

        app.MapHealthChecks("/healthz", new() { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new() { Predicate = c => c.Tags.Contains("ready") });
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapRobots();
        app.MapHomePages();
        app.MapHelpPages();
        app.MapAccountPages();
        app.MapAccountSettingsPages();
        app.MapAccountApi();
        app.MapAdminPages();
        app.MapGroupPages();
        app.MapRemoteGroupPages();
        app.MapGroupSettingsPages();
        app.MapGroupApi();
        app.MapThreadPages();
        app.MapPostPages();
        app.MapThreadApi();
        app.MapReactions();
        app.MapNotificationPages();
        app.MapKindredFederation();
        app.MapDeliveryAdmin();
        app.MapDroppedAdmin();

        return app;
    }

    /// <summary>Applies migrations and loads instance secrets; run before serving.</summary>
    public static async Task PrepareAsync(this WebApplication app, CancellationToken ct = default)
    {
        _ = app.Services.GetRequiredService<IOptions<KindredOptions>>().Value; // throws OptionsValidationException with the operator-facing messages
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(ct);
        await app.Services.GetRequiredService<AccessTokens>().InitializeAsync(ct);
        var o = app.Services.GetRequiredService<IOptions<KindredOptions>>().Value;
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Kindred");
        log.LogInformation("Kindred ready: {PublicUrl}, database {Provider}, theme {Theme}", o.PublicUrl,
            app.Services.GetRequiredService<Database>().Dialect, app.Services.GetRequiredService<ThemeEngine>().ThemeName);
        if (o.PublicUrl.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !IsLocal(o.PublicUrl))
        {
            log.LogWarning("Kindred:PublicUrl is plain http. Serve the instance over https (see the reverse-proxy guide) before inviting members.");
        }
    }

    private static bool IsLocal(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.IsLoopback || u.Host == "localhost");

    private static IServiceCollection AddKindredLogging(this IServiceCollection services, ConfigurationManager config, ILoggingBuilder logging)
    {
        // Structured logs: JSON lines when Kindred:Logging:Format=json (for log collectors), readable text otherwise.
        if (string.Equals(config["Kindred:Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
        {
            logging.ClearProviders();
            logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        }

        return services;
    }

    private static IServiceCollection AddKindredData(this IServiceCollection services, KindredOptions options)
    {
        services.AddSingleton(sp => CreateDatabase(sp.GetRequiredService<IOptions<KindredOptions>>().Value));
        // The one job queue (Data/Jobs): background work that is not the inbox or delivery hot path; handlers register JobHandlers.
        services.AddSingleton<Data.Jobs.JobSignal>();
        services.AddSingleton<Data.Jobs.JobQueue>();
        services.AddHostedService<Data.Jobs.JobWorker>();
        services.AddSingleton<Migrator>();
        services.AddSingleton<InstanceSecrets>();
        services.AddSingleton<InstanceSettings>();
        services.AddSingleton<DbXmlRepository>();
        services.AddDataProtection().SetApplicationName("Kindred");
        services.AddOptions<KeyManagementOptions>().Configure<DbXmlRepository>((o, repo) => o.XmlRepository = repo);
        return services;
    }

    public static Database CreateDatabase(KindredOptions o)
    {
        if (o.Database.Provider.Trim().ToLowerInvariant() is "postgres" or "postgresql")
        {
            return new Database(Dialect.Postgres, o.Database.ConnectionString!);
        }

        var cs = string.IsNullOrWhiteSpace(o.Database.ConnectionString)
            ? Database.SqliteConnectionString(Path.Combine(Path.GetFullPath(o.DataDirectory), "kindred.db"))
            : o.Database.ConnectionString;
        return new Database(Dialect.Sqlite, cs);
    }

    private static IServiceCollection AddKindredWeb(this IServiceCollection services, KindredOptions options)
    {
        services.AddProblemDetails();
        services.AddOpenApi();
        services.AddSingleton<Content.SafeHtml>();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "kindred_csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = options.PublicUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                ? CookieSecurePolicy.Always
                : CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__csrf";
        });
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k =>
            k.Limits.MaxRequestBodySize = options.Security.MaxRequestBodyBytes);
        services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(f =>
        {
            f.ValueLengthLimit = (int)Math.Min(options.Security.MaxRequestBodyBytes, int.MaxValue);
            f.ValueCountLimit = 200;
        });
        services.Configure<ForwardedHeadersOptions>(f =>
        {
            f.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            foreach (var proxy in options.ReverseProxy.TrustedProxies)
            {
                f.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in options.ReverseProxy.TrustedNetworks)
            {
                f.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }

            // Only accept a forwarded Host that matches our own public host.
            if (Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var u))
            {
                f.AllowedHosts = [u.Authority, u.Host];
            }
        });
        services.ConfigureHttpJsonOptions(j => j.SerializerOptions.MaxDepth = 32);
        return services;
    }

    private static IServiceCollection AddKindredAccounts(this IServiceCollection services)
    {
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<Sessions>();
        services.AddSingleton<SignIn>();
        services.AddSingleton<Registration>();
        services.AddSingleton<Invites>();
        services.AddSingleton<AccessTokens>();
        return services;
    }

    private static IServiceCollection AddKindredGroups(this IServiceCollection services)
    {
        services.AddSingleton<GroupQueries>();
        services.AddSingleton<CreateGroup>();
        services.AddSingleton<UpdateGroup>();
        services.AddSingleton<Membership>();
        services.AddSingleton<JoinQueue>();
        services.AddSingleton<Members>();
        services.AddSingleton<ThreadQueries>();
        services.AddSingleton<PostStore>();
        services.AddSingleton<MemberStore>();
        services.AddSingleton<RemoteGroupStore>();
        services.AddSingleton<RemoteMembership>();
        services.AddSingleton<StartThread>();
        services.AddSingleton<ReplyToThread>();
        services.AddSingleton<EditPost>();
        services.AddSingleton<DeletePost>();
        services.AddSingleton<ModerateThread>();
        services.AddSingleton<React>();
        services.AddSingleton<Notifications>();
        return services;
    }

    private static IServiceCollection AddKindredTheming(this IServiceCollection services)
    {
        services.AddSingleton<ThemeEngine>();
        services.AddSingleton<Pages>();
        services.AddSingleton(sp => new SiteInfoSource(async ct =>
        {
            var s = await sp.GetRequiredService<InstanceSettings>().GetAsync(ct);
            return new SiteInfo(s.InstanceName, s.Description, s.AllowSearchIndexing);
        }));
        return services;
    }
}
