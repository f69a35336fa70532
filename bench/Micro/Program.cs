using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Micro.ReviewBenchmarks).Assembly).Run(args);
