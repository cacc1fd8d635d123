using Akka.Configuration;
using Akka.Hosting;
using LumieraVault.Hosting;
using LumieraVault.Samples.AudioEdit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;

var arguments = AudioEditArguments.Parse(args);
if (arguments.Help)
{
    Console.WriteLine(AudioEditArguments.Usage);
    return 0;
}
if (arguments.Error is { } error)
{
    Console.Error.WriteLine($"{error}\n\n{AudioEditArguments.Usage}");
    return 2;
}

Log.Logger = new LoggerConfiguration()
    .MinimumLevel.Debug()
    .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
    .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}")
    .CreateLogger();

// vault.conf holds the vault's documented settings, audio.conf the store's (window size one block group).
string[] hoconFiles = ["audio.conf", "vault.conf"];
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
builder.Logging.ClearProviders();
builder.Logging.AddSerilog(dispose: true);
builder.Services.AddAkka("audio-edit", (akka, _) =>
{
    var config = Config.Empty;
    foreach (string file in hoconFiles)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "hocon", file);
        if (!File.Exists(path)) continue;
        akka.AddHoconFile(path, HoconAddMode.Append);
        config = config.WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(path)));
    }
    akka.WithLumieraVault(new VaultOptions())
        .ConfigureLoggers(l =>
        {
            l.LogLevel = Akka.Event.Logging.LogLevelFor(config.GetString("akka.loglevel", "INFO"));
            l.ClearLoggers();
            l.AddLoggerFactory();
        });
});
builder.Services.AddSingleton<AudioEditRun>();

using var host = builder.Build();
await host.StartAsync();
int exitCode = await host.Services.GetRequiredService<AudioEditRun>().RunAsync(arguments);
await host.StopAsync();
return exitCode;
