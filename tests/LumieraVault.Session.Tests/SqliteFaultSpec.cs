using System.Diagnostics;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;
using Xunit;
using static LumieraVault.Session.Tests.Timeline;

namespace LumieraVault.Session.Tests;

/// <summary>What the SQLite file can do to a session: be killed under it, be damaged, be read-only, be held by another program.</summary>
public sealed class SqliteFaultSpec : TestKit, IAsyncLifetime
{
    private readonly SqliteBackend _backend = new();

    public SqliteFaultSpec() : base("akka.loglevel = WARNING", "sqlite-faults") { }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _backend.Dispose();
        return Task.CompletedTask;
    }

    private async Task<SessionException> StartFailsAsync(SessionError error)
    {
        var e = await Assert.ThrowsAsync<SessionException>(async () => await SessionHost.StartAsync(_backend, "session"));
        Assert.Equal(error, e.Error);
        Assert.Contains(_backend.DatabasePath, e.Message);
        return e;
    }

    private async Task<string> WriteSessionAsync()
    {
        await using var host = await SessionHost.StartAsync(_backend, "session");
        await host.Session.ApplyAsync(VideoTrack("v"));
        for (int i = 0; i < 30; i++) await host.Session.ApplyAsync(FileClip($"c{i}", "v", i * 10L));
        return await host.TextAsync();
    }

    [Fact]
    public async Task AProcessKilledDuringABurstLosesNoAcknowledgedModification()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(BurstWriter).Assembly.Location);
        start.ArgumentList.Add("burst");
        start.ArgumentList.Add(_backend.DatabasePath);
        start.ArgumentList.Add("session");
        using var child = Process.Start(start)!;
        var errors = child.StandardError.ReadToEndAsync();
        var acked = new List<int>();
        string? started = null;
        // Killed in the middle of the stream: hundreds acknowledged, more in flight.
        while (await child.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("started ", StringComparison.Ordinal)) started = line;
            if (!line.StartsWith("ack ", StringComparison.Ordinal)) continue;
            acked.Add(int.Parse(line.AsSpan(4)));
            if (acked.Count == 1500) child.Kill(); // SIGKILL on Linux: no shutdown code runs
        }
        await child.WaitForExitAsync();
        Assert.True(acked.Count >= 1500, $"The writer acknowledged only {acked.Count} modifications before it ended: {await errors}");
        Assert.NotEqual(0, child.ExitCode);
        // The default durability, synchronous = NORMAL, was in force on the journal's connections.
        var level = started?.Split(' ') ?? [];
        Assert.True(level.Length == 3 && level[1] == "Normal" && long.Parse(level[2]) > 0, $"The writer started with '{started}'");

        await using var host = await SessionHost.StartAsync(_backend, "session");
        var clips = (await host.Session.GetViewAsync()).Model.Clips;
        var lost = acked.Where(n => !clips.ContainsKey($"c{n}")).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {acked.Count} acknowledged modifications are not in the log, e.g. c{lost.FirstOrDefault()}");
        // What is there beyond the acknowledged ones is a prefix of the stream: nothing out of order.
        Assert.Equal(Enumerable.Range(0, clips.Count).Select(n => $"c{n}").Order(StringComparer.Ordinal), clips.Keys);
    }

    [Fact]
    public async Task AFileThatIsNotADatabaseIsANamedErrorAndIsLeftAsItIs()
    {
        byte[] garbage = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("this is a project note, not a database. ", 200)));
        await File.WriteAllBytesAsync(_backend.DatabasePath, garbage);
        await StartFailsAsync(SessionError.DatabaseDamaged);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(_backend.DatabasePath));
    }

    [Fact]
    public async Task ADatabaseWithDamagedPagesIsANamedErrorAndIsLeftAsItIs()
    {
        await WriteSessionAsync();
        SqliteConnection.ClearAllPools();
        Checkpoint(_backend.DatabasePath);
        var bytes = await File.ReadAllBytesAsync(_backend.DatabasePath);
        Assert.True(bytes.Length >= 4 * 4096, $"the database has {bytes.Length} bytes");
        // Scribble over every page after the first (the schema stays readable, the tables do not).
        for (int i = 4096; i < bytes.Length; i += 7) bytes[i] = (byte)(i * 31);
        await File.WriteAllBytesAsync(_backend.DatabasePath, bytes);
        await StartFailsAsync(SessionError.DatabaseDamaged);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_backend.DatabasePath));
    }

    [Fact]
    public async Task ADamagedEventInTheJournalIsANamedErrorOnStart()
    {
        await WriteSessionAsync();
        SqliteConnection.ClearAllPools();
        using (var connection = new SqliteConnection($"Data Source={_backend.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE journal SET message = x'01FF' WHERE sequence_number = 7;";
            Assert.Equal(1, command.ExecuteNonQuery());
        }
        var e = await StartFailsAsync(SessionError.DatabaseDamaged);
        Assert.Contains("session record", e.Message);
    }

    [Fact]
    public async Task AReadOnlyDatabaseIsANamedError()
    {
        string state = await WriteSessionAsync();
        SqliteConnection.ClearAllPools();
        File.SetUnixFileMode(_backend.DatabasePath, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        await StartFailsAsync(SessionError.DatabaseReadOnly);

        // Writable again, it is the same session.
        File.SetUnixFileMode(_backend.DatabasePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var host = await SessionHost.StartAsync(_backend, "session");
        Assert.Equal(state, await host.TextAsync());
    }

    [Fact]
    public async Task ADatabaseAnotherProgramHoldsIsANamedError()
    {
        string state = await WriteSessionAsync();
        SqliteConnection.ClearAllPools();
        using (var other = new SqliteConnection($"Data Source={_backend.DatabasePath};Pooling=False"))
        {
            other.Open();
            using var hold = other.CreateCommand();
            hold.CommandText = "BEGIN EXCLUSIVE;";
            hold.ExecuteNonQuery();
            var e = await Assert.ThrowsAsync<SessionException>(async () => await SessionHost.StartAsync(_backend, "session", "lumiera.session.sqlite.lock-timeout = 200ms"));
            Assert.Equal(SessionError.DatabaseLocked, e.Error);
        }
        await using var host = await SessionHost.StartAsync(_backend, "session");
        Assert.Equal(state, await host.TextAsync());

        // A second session on the same file, here or in another process, is refused while the first runs.
        var second = await Assert.ThrowsAsync<SessionException>(async () => await SessionHost.StartAsync(_backend, "session"));
        Assert.Equal(SessionError.DatabaseLocked, second.Error);
    }

    private static void Checkpoint(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        command.ExecuteNonQuery();
    }
}
