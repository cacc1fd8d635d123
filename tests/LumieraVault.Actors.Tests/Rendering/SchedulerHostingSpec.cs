using Akka.Hosting;
using LumieraVault.Hosting;
using LumieraVault.Rendering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace LumieraVault.Tests.Rendering;

public sealed class SchedulerHostingSpec
{
    [Fact]
    public void WithoutSettingsTheReferenceDefaultsApply()
    {
        var settings = SchedulerSettings.From(Akka.Configuration.Config.Empty);
        Assert.Equal(Environment.ProcessorCount, settings.Workers);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.JobTimeout);
        Assert.Equal(RenderStoreKind.RenderCache, settings.Store);
        Assert.Equal(TimeSpan.FromMicroseconds(250), settings.RunBudget);
    }

    [Fact]
    public void TheRunBudgetIsADurationOrOff()
    {
        static TimeSpan Budget(string value) => SchedulerSettings.From(Akka.Configuration.ConfigurationFactory.ParseString($"lumiera.vault.scheduler.run-budget = {value}")).RunBudget;
        Assert.Equal(TimeSpan.FromMilliseconds(2), Budget("2ms"));
        Assert.Equal(TimeSpan.Zero, Budget("off"));
        Assert.Equal(TimeSpan.Zero, Budget("0"));
        Assert.Equal("lumiera.vault.scheduler.run-budget = 0.5ms\n", new SchedulerOptions { RunBudget = TimeSpan.FromMicroseconds(500) }.ToHocon());
        Assert.Equal(TimeSpan.FromMicroseconds(500), Budget("0.5ms"));
        Assert.Equal("lumiera.vault.scheduler.run-budget = off\n", new SchedulerOptions { RunBudget = TimeSpan.Zero }.ToHocon());
    }

    [Fact]
    public void BadSettingsAreRefusedByName()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SchedulerSettings.From(Akka.Configuration.ConfigurationFactory.ParseString("lumiera.vault.scheduler.workers = 0")));
        Assert.Contains("workers", e.Message);
        Assert.Contains("store", Assert.Throws<ArgumentException>(() => SchedulerSettings.From(Akka.Configuration.ConfigurationFactory.ParseString("lumiera.vault.scheduler.store = floppy"))).Message);
    }

    [Fact]
    public async Task OptionsInCodeOverrideTheHoconAndTheHostsRenderersAreRegistered()
    {
        var title = new RecordingRenderer("title");
        var options = new SchedulerOptions { Workers = 3, JobTimeout = TimeSpan.Zero, Store = RenderStoreKind.Scratch, RunBudget = TimeSpan.FromMilliseconds(1) };
        options.Renderers.Add(title);
        var host = new HostBuilder()
            .ConfigureServices(services =>
            {
                services.AddAkka("scheduler-hosting-spec", builder => builder
                    .AddHocon("lumiera.vault.scheduler.workers = 5\nlumiera.vault.scheduler.job-timeout = 3s", HoconAddMode.Prepend)
                    .WithLumieraVault()
                    .WithLumieraScheduler(options));
                services.AddLumieraRenderClient();
            })
            .Build();
        await host.StartAsync().WaitAsync(VaultProbe.Patience);
        try
        {
            var render = host.Services.GetRequiredService<RenderService>();
            Assert.Equal(3, render.Settings.Workers);
            Assert.Equal(TimeSpan.Zero, render.Settings.JobTimeout);
            Assert.Equal(RenderStoreKind.Scratch, render.Settings.Store);
            Assert.Equal(TimeSpan.FromMilliseconds(1), render.Settings.RunBudget);
            var registry = host.Services.GetRequiredService<ActorRegistry>();
            Assert.Equal(render.Scheduler, registry.Get<RenderScheduler>());
            using var frame = await render.GetFrameAsync("title", 2).Answered();
            title.AssertFrame(frame, 2);
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
