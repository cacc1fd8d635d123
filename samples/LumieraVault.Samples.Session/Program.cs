using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using LumieraVault.Samples.Session;
using LumieraVault.Session.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;

// Usage: [FOLDER] [--short]. Without a folder the session lives in a new temp folder, removed at the end.
bool quick = args.Contains("--short");
string? given = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
string folder = given ?? Path.Combine(Path.GetTempPath(), "lumiera-session-sample-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(folder);
string project = Path.Combine(folder, "demo.lvp");

Log.Logger = new LoggerConfiguration()
    .MinimumLevel.Verbose()
    .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
    .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}")
    .CreateLogger();

// hocon/session.conf holds the documented settings; the database file is the one beside this run's project.
string hocon = Path.Combine(AppContext.BaseDirectory, "hocon", "session.conf");
var fileConfig = ConfigurationFactory.ParseString(File.ReadAllText(hocon));
var config = SessionConfig.Complete(ConfigurationFactory.ParseString($"lumiera.session.sqlite.path = \"{SessionConfig.DatabaseBeside(project)}\"").WithFallback(fileConfig));
// HOCON cannot carry the SQLite connection options (lumiera.session.sqlite.synchronous); each run's system gets them as a setup.

try
{
    var demo = new SessionDemo(quick);
    string first = await RunEditorAsync("editor-run-1", demo.BuildAsync);
    string second = await RunEditorAsync("editor-run-2", demo.ReopenAsync);
    if (first != second)
    {
        Log.Error("The session read back from {Database} differs from the one written:\n{First}\n---\n{Second}", SessionConfig.DatabaseBeside(project), first, second);
        return 1;
    }
    Log.Information("Restarted from {Database}: the same session", SessionConfig.DatabaseBeside(project));
    return 0;
}
finally
{
    await Log.CloseAndFlushAsync();
    if (given is null)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}

// One run of the editor: a host with its own actor system, logging through Microsoft.Extensions.Logging to Serilog.
async Task<string> RunEditorAsync(string name, Func<ActorSystem, Microsoft.Extensions.Logging.ILogger, Task<string>> work)
{
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
    builder.Logging.ClearProviders();
    builder.Logging.AddSerilog(dispose: false).SetMinimumLevel(LogLevel.Trace);
    builder.Services.AddAkka(name, (akka, _) => akka
        .AddHocon(config, HoconAddMode.Prepend)
        .AddSetup(SessionConfig.ConnectionSetup(config)!)
        .ConfigureLoggers(l =>
        {
            l.LogLevel = Akka.Event.Logging.LogLevelFor(fileConfig.GetString("akka.loglevel", "INFO"));
            l.ClearLoggers();
            l.AddLoggerFactory();
        }));
    using var host = builder.Build();
    await host.StartAsync();
    var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(name);
    var system = host.Services.GetRequiredService<ActorSystem>();
    logger.LogInformation("SQLite synchronous = {Level} on the journal's connections", SessionConfig.SqliteSynchronousOf(system));
    string state = await work(system, logger);
    await host.StopAsync();
    return state;
}
