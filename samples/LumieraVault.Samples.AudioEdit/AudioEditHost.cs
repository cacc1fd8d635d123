using Akka.Configuration;
using Akka.Hosting;
using LumieraVault.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;

namespace LumieraVault.Samples.AudioEdit;

/// <summary>The generic host of the sample: an actor system with the vault, logging through Microsoft.Extensions.Logging to Serilog's console.</summary>
internal static class AudioEditHost
{
    private const string ConsoleTemplate = "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static IHost Build()
    {
        string hocon = Path.Combine(AppContext.BaseDirectory, "hocon", "vault.conf");
        string audio = Path.Combine(AppContext.BaseDirectory, "hocon", "audio.conf");
        // akka.loglevel in vault.conf filters Akka's messages at their source, so Serilog lets everything through.
        var akkaLevel = Akka.Event.Logging.LogLevelFor(ConfigurationFactory.ParseString(File.ReadAllText(hocon)).GetString("akka.loglevel", "INFO"));
        var serilog = new LoggerConfiguration()
            .MinimumLevel.Verbose()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .WriteTo.Console(outputTemplate: ConsoleTemplate)
            .CreateLogger();

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddSerilog(serilog, dispose: true);
        builder.Services.AddAkka("audio-edit", (akka, _) => akka
            .AddHoconFile(audio, HoconAddMode.Append)
            .AddHoconFile(hocon, HoconAddMode.Append)
            // The store maps each 1 MiB block-group file as one window of the vault.
            .WithLumieraVault(new VaultOptions { WindowSize = 1L << 20 })
            .ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = akkaLevel;
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            }));
        builder.Services.AddSingleton<AudioEditRun>();
        return builder.Build();
    }
}
