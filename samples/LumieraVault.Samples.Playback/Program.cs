using Akka.Configuration;
using Akka.Hosting;
using LumieraVault;
using LumieraVault.Hosting;
using LumieraVault.Prefetching;
using LumieraVault.Samples.Playback;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;

var arguments = PlaybackArguments.Parse(args);
if (arguments.Help)
{
    Console.WriteLine(PlaybackArguments.Usage);
    return 0;
}
if (arguments.Error is { } error)
{
    Console.Error.WriteLine(error + "\n\n" + PlaybackArguments.Usage);
    return 2;
}

// Akka's level comes from vault.conf (akka.loglevel) and filters at the source; Serilog passes all of it.
Log.Logger = new LoggerConfiguration()
    .MinimumLevel.Verbose()
    .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
    .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}")
    .CreateLogger();

string hocon = Path.Combine(AppContext.BaseDirectory, "hocon", "vault.conf");
// A small budget, so that a few seconds of playback already age windows out; hosts set theirs in vault.conf.
var options = new VaultOptions { MapBudget = 64L << 20 };

// The rendered layer: a title band over the bottom of the synthetic clip, registered with the render scheduler.
using var renderCache = RenderCacheFolder.For(arguments);
var title = new TitleRenderer(PlaybackRun.Width, PlaybackRun.Height, arguments.Fps, arguments.TitleCost);

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
builder.Logging.ClearProviders();
builder.Logging.AddSerilog(dispose: true).SetMinimumLevel(LogLevel.Trace);
builder.Services.AddAkka("playback", (akka, sp) => akka
    .AddHoconFile(hocon, HoconAddMode.Append)
    .WithLumieraVault(options)
    .WithLumieraPrefetcher(new PrefetchOptions { Enabled = arguments.Prefetch })
    .WithLumieraScheduler(TitleLayer.SchedulerOptions(title))
    .AddHocon(renderCache.Hocon, HoconAddMode.Prepend)
    .ConfigureLoggers(l =>
    {
        // The code's logger settings come ahead of the HOCON: take the level from the file, so it stays the one place to change it.
        l.LogLevel = Akka.Event.Logging.LogLevelFor(ConfigurationFactory.ParseString(File.ReadAllText(hocon)).GetString("akka.loglevel", "INFO"));
        l.ClearLoggers();
        l.AddLoggerFactory();
    }));
builder.Services.AddLumieraVaultClient();
builder.Services.AddLumieraPrefetchClient();
builder.Services.AddLumieraRenderClient();
builder.Services.AddSingleton(title);
builder.Services.AddSingleton(renderCache);
builder.Services.AddSingleton<LiveView>();
builder.Services.AddSingleton<Player>();
builder.Services.AddSingleton<PlaybackRun>();

using var host = builder.Build();
await host.StartAsync();
int exitCode = await host.Services.GetRequiredService<PlaybackRun>().RunAsync(arguments);
await host.StopAsync();
return exitCode;
