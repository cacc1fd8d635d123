#if POSTGRESQL
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Configuration;
using LumieraVault.Session.Hosting;
using Xunit;

namespace LumieraVault.Session.Tests;

/// <summary>
/// A throw-away PostgreSQL cluster for the suite: initdb into a temp folder, started on a free 127.0.0.1 port,
/// stopped and removed at the end. PostgreSQL refuses to run as root, so as root (CI) it runs as 'nobody'.
/// This file is compiled only where pg_ctl exists (see the project file); if the server then cannot start,
/// the PostgreSQL specs fail: they are never skipped.
/// </summary>
public sealed class PostgreSqlServer : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "lumiera-session-pg-" + Guid.NewGuid().ToString("N"));
    private string _bin = "";

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _bin = FindBin();
        Directory.CreateDirectory(_root);
        if (Environment.UserName == "root") await RunAsync("chown", "nobody", _root);
        string data = Path.Combine(_root, "data");
        await RunAsPostgresAsync(Path.Combine(_bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
        int port = FreePort();
        await RunAsPostgresAsync(Path.Combine(_bin, "pg_ctl"), "-D", data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60",
            "-o", $"-p {port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off", "start");
        ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true";
    }

    public async Task DisposeAsync()
    {
        try
        {
            await RunAsPostgresAsync(Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_root, "data"), "-m", "immediate", "stop");
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static string FindBin()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")).ToList()
            : [];
        candidates.AddRange(["/usr/local/bin", "/usr/bin"]);
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "pg_ctl")) && File.Exists(Path.Combine(d, "initdb")))
            ?? throw new InvalidOperationException("pg_ctl was found at build time but no folder has both pg_ctl and initdb now.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task RunAsPostgresAsync(string program, params string[] args)
        => Environment.UserName == "root" ? RunAsync("runuser", ["-u", "nobody", "--", program, .. args]) : RunAsync(program, args);

    private static async Task RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {await errors}{await output}");
    }
}

public sealed class PostgreSqlBackend(PostgreSqlServer server) : SessionBackend
{
    public override string Name => "postgresql";

    public override Config Config(string overrides = "") => SessionConfig.ForPostgreSql(server.ConnectionString, Parse(overrides));
}

public sealed class PostgreSqlSessionSpec(PostgreSqlServer server) : SessionSpecs(new PostgreSqlBackend(server)), IClassFixture<PostgreSqlServer>;
#endif
