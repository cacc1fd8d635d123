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

string hocon = Path.Combine(AppContext.BaseDirectory, "hocon", "vault.conf");
// The store maps each 1 MiB block-group file as one window of the vault.
var options = new VaultOptions { WindowSize = 1L << 20 };

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
builder.Logging.ClearProviders();
builder.Logging.AddSerilog(dispose: true);
builder.Services.AddAkka("audio-edit", (akka, _) => akka
    .AddHoconFile(hocon, HoconAddMode.Append)
    .WithLumieraVault(options)
    .ConfigureLoggers(l =>
    {
        l.LogLevel = Akka.Event.Logging.LogLevelFor(ConfigurationFactory.ParseString(File.ReadAllText(hocon)).GetString("akka.loglevel", "INFO"));
        l.ClearLoggers();
        l.AddLoggerFactory();
    }));
builder.Services.AddSingleton<AudioEditRun>();

using var host = builder.Build();
await host.StartAsync();
int exitCode = await host.Services.GetRequiredService<AudioEditRun>().RunAsync(arguments);
await host.StopAsync();
return exitCode;
