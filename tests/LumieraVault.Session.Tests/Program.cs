[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace LumieraVault.Session.Tests;

public static class Program
{
    public static int Main(string[] args) => args.Length > 0 && args[0] == "burst" ? BurstWriter.Run(args[1..]) : 2;
}
