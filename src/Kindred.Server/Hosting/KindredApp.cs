using Kindred.Server.Configuration;
using System.Net;
using Kindred.Server.Data;
using Kindred.Server.Federation;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Federation.Inbox;
using Kindred.Server.Federation.Policy;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Features.Admin;
using Kindred.Server.Features.DataRights;
using Kindred.Server.Features.Groups;
using Kindred.Server.Features.Help;
using Kindred.Server.Features.Home;
using Kindred.Server.Features.Moderation;
using Kindred.Server.Features.Mail;
using Kindred.Server.Features.Notifications;
using Kindred.Server.Features.Reactions;
using Kindred.Server.Features.Reports;
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
        ListenAddress.ApplyDefault(builder);

        var options = builder.Configuration.GetSection(KindredOptions.Section).Get<KindredOptions>() ?? new KindredOptions();
        builder.Services.AddSingleton<IValidateOptions<KindredOptions>, KindredOptionsValidator>();
        builder.Services.AddOptions<KindredOptions>().Bind(builder.Configuration.GetSection(KindredOptions.Section));

        builder.Services.AddKindredLogging(builder.Configuration, builder.Logging);
        StartupErrors.QuietFailedStart(builder.Logging);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddKindredData(options);
        builder.Services.AddKindredWeb(options);
        builder.Services.AddKindredAuth(options);
        builder.Services.AddKindredAccounts();
        builder.Services.AddKindredGroups();
        builder.Services.AddKindredReports();
        builder.Services.AddKindredMail();
        builder.Services.AddKindredDataRights();
        builder.Services.AddKindredTheming();
        builder.Services.AddKindredFederation(builder.Configuration);
        builder.Services.AddKindredDelivery(builder.Configuration);
        builder.Services.AddFederationPolicy();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            // The admin status page's checks (Features/Admin/StatusPage); /readyz does not run them.
            .AddCheck<InboxStatusCheck>("inbox", tags: [Diagnostics.StatusChecks.Tag])
            .AddCheck<DeliveryStatusCheck>("deliveries", tags: [Diagnostics.StatusChecks.Tag])
            .AddCheck<Data.Jobs.JobStatusCheck>("jobs", tags: [Diagnostics.StatusChecks.Tag])
            .AddCheck<DiskSpaceCheck>("disk", tags: [Diagnostics.StatusChecks.Tag])
            .AddCheck<SecretsStatusCheck>("secrets", tags: [Diagnostics.StatusChecks.Tag]);
        builder.Services.AddSingleton<DiskSpaceCheck>();
        builder.Services.AddKindredProxyTrust();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddHostedService<IdleMemoryTrimmer>();
        var metricsNetworks = MetricsSetup.Configure(builder);

        var app = builder.Build();

        app.UseForwardedHeaders();
        if (app.Configuration.GetValue<bool>("Kindred:Logging:AccessLog"))
        {
            app.UseHttpLogging();
        }

        app.UseKindredProxyTrust();
        if (metricsNetworks is not null)
        {
            MetricsSetup.Map(app, metricsNetworks);
        }

        // Browsers get themed pages for the errors the framework answers; API clients keep problem details (ErrorPages).
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = ErrorPages.HandleExceptionAsync });
        app.UseStatusCodePages(context => ErrorPages.WriteAsync(context.HttpContext, context.HttpContext.Response.StatusCode));
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
        app.MapHealthChecks("/readyz", ProxyTrustSetup.ReadyOptions());
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapRobots();
        app.MapHomePages();
        app.MapHelpPages();
        app.MapHelplineAdminPages();
        app.MapAccountPages();
        app.MapAccountSettingsPages();
        app.MapAccountApi();
        app.MapPasswordResetPages();
        app.MapEmailChangePages();
        app.MapKindredDataRights();
        app.MapAdminPages();
        app.MapStatusPage();
        app.MapGroupPages();
        app.MapRemoteGroupPages();
        app.MapGroupSettingsPages();
        app.MapGroupApi();
        app.MapThreadPages();
        app.MapPostPages();
        app.MapThreadApi();
        app.MapPostModeration();
        app.MapBans();
        app.MapModerationLog();
        app.MapReactions();
        app.MapNotificationPages();
        app.MapReportPages();
        app.MapReportApi();
        app.MapAccountAdminApi();
        app.MapMailAdmin();
        app.MapKindredFederation();
        app.MapDeliveryAdmin();
        app.MapDroppedAdmin();
        app.MapFederationPolicy();

        return app;
    }

    /// <summary>Checks the set-up, applies migrations and loads instance secrets; run before serving.</summary>
    public static async Task PrepareAsync(this WebApplication app, CancellationToken ct = default)
    {
        var o = app.Services.GetRequiredService<IOptions<KindredOptions>>().Value; // throws OptionsValidationException with the operator-facing messages
        StartupChecks.EnsureDataDirectoryWritable(o);
        var migrator = app.Services.GetRequiredService<Migrator>();
        await (o.Database.MigrateOnStart ? migrator.MigrateAsync(ct) : migrator.EnsureCurrentAsync(ct));
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Kindred");
        await app.Services.VerifyKeyRingAsync(log, ct);
        await app.Services.GetRequiredService<AccessTokens>().InitializeAsync(ct);
        if (o.PublicUrl.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !IsLocal(o.PublicUrl))
        {
            log.LogWarning("Kindred:PublicUrl is plain http. Serve the instance over https (see the reverse-proxy guide) before inviting members.");
        }

        // "Ready" only once Kestrel listens (a port in use fails start-up before this).
        var dialect = app.Services.GetRequiredService<Database>().Dialect;
        var theme = app.Services.GetRequiredService<ThemeEngine>().ThemeName;
        app.Lifetime.ApplicationStarted.Register(() => log.LogInformation(
            "Kindred ready: {PublicUrl}, listening on {Addresses}, database {Provider}, theme {Theme}",
            o.PublicUrl, string.Join(", ", app.Urls), dialect, theme));
    }

    /// <summary>The key ring's certificate belongs to this database; ring keys stored in clear by earlier versions are encrypted.</summary>
    public static Task<int> VerifyKeyRingAsync(this IServiceProvider services, ILogger log, CancellationToken ct = default) =>
        services.GetRequiredService<KeyRingProtection>().VerifyAndProtectRingAsync(services.GetRequiredService<Database>(),
            services.GetRequiredService<IOptions<KeyManagementOptions>>(), log, ct);

    private static bool IsLocal(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.IsLoopback || u.Host == "localhost");

    private static IServiceCollection AddKindredLogging(this IServiceCollection services, ConfigurationManager config, ILoggingBuilder logging)
    {
        // Structured logs: JSON lines when Kindred:Logging:Format=json (for log collectors), readable text otherwise.
        // Each JSON line carries its UTC time (ISO 8601), which collectors need to order and correlate events.
        if (string.Equals(config["Kindred:Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
        {
            logging.ClearProviders();
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            });
        }

        // The optional access log (Kindred:Logging:AccessLog=true): one line per request with method, path (never the
        // query string, which may hold a token), status and duration. Client addresses are not logged (personal data).
        if (config.GetValue<bool>("Kindred:Logging:AccessLog"))
        {
            services.AddHttpLogging(o =>
            {
                o.LoggingFields = Microsoft.AspNetCore.HttpLogging.HttpLoggingFields.RequestMethod | Microsoft.AspNetCore.HttpLogging.HttpLoggingFields.RequestPath |
                                  Microsoft.AspNetCore.HttpLogging.HttpLoggingFields.ResponseStatusCode | Microsoft.AspNetCore.HttpLogging.HttpLoggingFields.Duration;
                o.CombineLogs = true;
            });
            logging.AddFilter("Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware", LogLevel.Information);
        }

        return services;
    }

    private static SiteInfo SiteInfoOf(InstanceSettingsSnapshot s) => new(s.InstanceName, s.Description, s.AllowSearchIndexing, s.TimeZone);

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
        KeyRingProtection.AddTo(services.AddDataProtection().SetApplicationName("Kindred"), options);
        services.AddOptions<KeyManagementOptions>().Configure<DbXmlRepository>((o, repo) => o.XmlRepository = repo);
        return services;
    }

    public static Database CreateDatabase(KindredOptions o)
    {
        try
        {
            return NewDatabase(o);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            // The message names the offending keyword, never the connection string (it may hold a password).
            throw new StartupException($"Kindred cannot start: Kindred:Database:ConnectionString is not a valid connection string ({ex.Message.TrimEnd('.')}).", ex);
        }
    }

    private static Database NewDatabase(KindredOptions o)
    {
        if (o.Database.Provider.Trim().ToLowerInvariant() is "postgres" or "postgresql")
        {
            return new Database(Dialect.Postgres, o.Database.ConnectionString!);
        }

        StartupChecks.EnsureDataDirectoryWritable(o);
        var cs = string.IsNullOrWhiteSpace(o.Database.ConnectionString)
            ? Database.SqliteConnectionString(Path.Combine(Path.GetFullPath(o.DataDirectory), "kindred.db"))
            : o.Database.ConnectionString;
        StartupChecks.PrepareSqliteFile(cs);
        return new Database(Dialect.Sqlite, cs);
    }

    private static IServiceCollection AddKindredWeb(this IServiceCollection services, KindredOptions options)
    {
        services.AddProblemDetails();
        services.AddOpenApi();
        services.AddSingleton<Content.SafeHtml>();
        var https = options.PublicUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        services.AddAntiforgery(o =>
        {
            // Like the session cookie: "__Host-" (Secure, Path=/, no Domain) whenever the public URL is https, even when
            // the proxy in front talks plain http to us.
            o.Cookie.Name = https ? "__Host-" + Forms.AntiforgeryCookie : Forms.AntiforgeryCookie;
            o.Cookie.Path = "/";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = https ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
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
            // Malformed entries are skipped here; the options validator stops start-up naming them.
            foreach (var proxy in options.ReverseProxy.TrustedProxies)
            {
                if (IPAddress.TryParse(proxy?.Trim(), out var address))
                {
                    f.KnownProxies.Add(address);
                }
            }

            foreach (var network in options.ReverseProxy.TrustedNetworks)
            {
                if (System.Net.IPNetwork.TryParse(network?.Trim(), out var parsed))
                {
                    f.KnownIPNetworks.Add(parsed);
                }
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
        services.AddSingleton<SignInAddresses>();
        services.AddSingleton<Sessions>();
        services.AddSingleton<Features.Accounts.Suspensions>();
        services.AddSingleton<SignIn>();
        services.AddSingleton<Registration>();
        services.AddSingleton<Invites>();
        services.AddSingleton<Helplines>();
        services.AddSingleton<AccessTokens>();
        services.AddSingleton<PasswordResets>();
        services.AddSingleton<EmailChanges>();
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
        services.AddSingleton<RemoteGroupBackfillRequests>();
        services.AddSingleton<StartThread>();
        services.AddSingleton<ReplyToThread>();
        services.AddSingleton<EditPost>();
        services.AddSingleton<DeletePost>();
        services.AddSingleton<ModerateThread>();
        services.AddSingleton<React>();
        services.AddSingleton<Notifications>();
        services.AddSingleton<ModerationLog>();
        services.AddSingleton<RemovePost>();
        services.AddSingleton<RemoteModeration>();
        services.AddSingleton<GroupBans>();
        return services;
    }

    private static IServiceCollection AddKindredTheming(this IServiceCollection services)
    {
        services.AddSingleton<ThemeEngine>();
        services.AddSingleton<Pages>();
        services.AddSingleton(sp => new ConnectionCheck(sp.GetRequiredService<ProxyTrust>().IsInsecure));
        services.AddSingleton(sp => new SiteInfoSource(
            async ct => SiteInfoOf(await sp.GetRequiredService<InstanceSettings>().GetAsync(ct)),
            async ct => SiteInfoOf(await sp.GetRequiredService<InstanceSettings>().GetOrDefaultsAsync(ct))));
        return services;
    }
}
