using System.Globalization;
using System.Text;
using Akka.Configuration;
using LumieraVault.Cluster.Hosting;

namespace LumieraVault.Cluster.Rendering;

/// <summary>The render farm's settings, read from <c>lumiera.cluster.render</c>.</summary>
public sealed record RenderFarmSettings
{
    /// <summary>Jobs handed to a node per render worker it has: enough to keep its workers busy while answers travel.</summary>
    public required int JobsPerWorker { get; init; }

    /// <summary>How long a node may take to answer a job before the job is sent to another node as well.</summary>
    public required TimeSpan AttemptTimeout { get; init; }

    /// <summary>How many nodes a job is sent to at most (the first included) before it fails.</summary>
    public required int MaxAttempts { get; init; }

    /// <summary>The deadline of a request whose hints give none: it is answered by then, whatever happens to the nodes.</summary>
    public required TimeSpan DefaultDeadline { get; init; }

    /// <summary>How often the farm looks for attempts that took too long and requests past their deadline.</summary>
    public required TimeSpan CheckInterval { get; init; }

    /// <summary>Reads the settings from <paramref name="config"/>, falling back to the reference defaults.</summary>
    public static RenderFarmSettings From(Config config)
    {
        var c = ClusterNodeSettings.OverReference(config).GetConfig("lumiera.cluster.render");
        return new RenderFarmSettings
        {
            JobsPerWorker = c.GetInt("jobs-per-worker", 2),
            AttemptTimeout = c.GetTimeSpan("attempt-timeout", TimeSpan.FromSeconds(5)),
            MaxAttempts = c.GetInt("max-attempts", 3),
            DefaultDeadline = c.GetTimeSpan("default-deadline", TimeSpan.FromSeconds(30)),
            CheckInterval = c.GetTimeSpan("check-interval", TimeSpan.FromMilliseconds(50)),
        }.Validated();
    }

    /// <summary>These settings, checked: a value out of range throws <see cref="ArgumentOutOfRangeException"/> naming its key.</summary>
    public RenderFarmSettings Validated()
    {
        if (JobsPerWorker < 1)
            throw new ArgumentOutOfRangeException(nameof(JobsPerWorker), JobsPerWorker, "lumiera.cluster.render.jobs-per-worker must be at least 1.");
        if (AttemptTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(AttemptTimeout), AttemptTimeout, "lumiera.cluster.render.attempt-timeout must be positive.");
        if (MaxAttempts < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "lumiera.cluster.render.max-attempts must be at least 1.");
        if (DefaultDeadline <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(DefaultDeadline), DefaultDeadline, "lumiera.cluster.render.default-deadline must be positive.");
        if (CheckInterval <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(CheckInterval), CheckInterval, "lumiera.cluster.render.check-interval must be positive.");
        return this;
    }
}

/// <summary>The render farm's settings set from code; every property left null keeps what the HOCON says.</summary>
public sealed class RenderFarmOptions
{
    /// <summary><c>lumiera.cluster.render.jobs-per-worker</c>.</summary>
    public int? JobsPerWorker { get; set; }

    /// <summary><c>lumiera.cluster.render.attempt-timeout</c>.</summary>
    public TimeSpan? AttemptTimeout { get; set; }

    /// <summary><c>lumiera.cluster.render.max-attempts</c>.</summary>
    public int? MaxAttempts { get; set; }

    /// <summary><c>lumiera.cluster.render.default-deadline</c>.</summary>
    public TimeSpan? DefaultDeadline { get; set; }

    /// <summary><c>lumiera.cluster.render.check-interval</c>.</summary>
    public TimeSpan? CheckInterval { get; set; }

    internal void AppendHocon(StringBuilder sb)
    {
        void Add(string key, string? value)
        {
            if (value is not null) sb.Append("lumiera.cluster.render.").Append(key).Append(" = ").Append(value).Append('\n');
        }
        Add("jobs-per-worker", JobsPerWorker?.ToString(CultureInfo.InvariantCulture));
        Add("attempt-timeout", ClusterConfig.Duration(AttemptTimeout));
        Add("max-attempts", MaxAttempts?.ToString(CultureInfo.InvariantCulture));
        Add("default-deadline", ClusterConfig.Duration(DefaultDeadline));
        Add("check-interval", ClusterConfig.Duration(CheckInterval));
    }
}
