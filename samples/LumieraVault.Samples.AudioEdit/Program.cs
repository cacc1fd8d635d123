using LumieraVault.Samples.AudioEdit;
using Microsoft.Extensions.DependencyInjection;

var arguments = AudioEditArguments.Parse(args);
if (arguments.Help || arguments.Error is not null)
{
    if (arguments.Error is { } error) Console.Error.WriteLine(error + Environment.NewLine);
    Console.WriteLine(AudioEditArguments.Usage);
    return arguments.Error is null ? 0 : 2;
}

using var host = AudioEditHost.Build();
await host.StartAsync();
int exitCode = await host.Services.GetRequiredService<AudioEditRun>().RunAsync(arguments);
await host.StopAsync();
return exitCode;
