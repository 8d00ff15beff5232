// Builds the model and the hooks of each method of `apd run`; the trainer is the same for all.
using Apd.Engine.Checkpoints;
using Apd.Engine.Decomposition;
using Apd.Engine.Layers;
using Apd.Engine.Training;
using Apd.Engine.Training.Baselines;

namespace Apd.Cli.Run;

internal static class Methods
{
    public static IReadOnlyList<string> Names { get; } = ["apd", "stl", "finetune", "ewc", "l2t"];

    /// <summary>A fresh model and its hooks, or, given a checkpoint's state, the saved ones.</summary>
    public static (IContinualModel Model, ITrainingHook[] Hooks) Create(RunConfig config, NetworkArchitecture architecture, ModelState? saved = null)
    {
        switch (config.Method)
        {
            case "stl":
                return (saved is null ? new SingleTaskModels(architecture, config.Seed) : SingleTaskModels.Restore(saved), []);
            case "finetune":
                return (FineTuning(), []);
            case "ewc":
            {
                var model = FineTuning();
                return (model, Restored(new EwcHook(model.SharedParameters, config.EwcLambda, config.EwcSamples)));
            }
            case "l2t":
            {
                var model = FineTuning();
                return (model, Restored(new L2TransferHook(model.SharedParameters, config.L2tLambda)));
            }
            case "apd":
            {
                var network = saved is null ? new ApdNetwork(architecture, config.Seed, config.ApdNetwork) : ApdNetwork.Restore(saved);
                if (network.Architecture!.Name != architecture.Name || !network.Architecture.InputShape.SequenceEqual(architecture.InputShape))
                    throw new InvalidDataException($"the checkpoint's network is {network.Architecture.Name} [{string.Join(",", network.Architecture.InputShape)}], the benchmark needs {architecture.Name} [{string.Join(",", architecture.InputShape)}]");
                var hooks = (config.Apd with { Seed = config.Seed }).Hooks(network);
                if (saved is not null)
                    foreach (var h in hooks.OfType<ICheckpointableHook>()) h.RestoreState(saved);
                return (network, [.. hooks]);
            }
            default:
                throw new CliUsageException($"unknown method '{config.Method}'; choose one of {string.Join(", ", Names)}");
        }

        FineTuningModel FineTuning() => saved is null ? new FineTuningModel(architecture, config.Seed) : FineTuningModel.Restore(saved);

        ITrainingHook[] Restored<T>(T hook) where T : ITrainingHook, ICheckpointableHook
        {
            if (saved is not null) hook.RestoreState(saved);
            return [hook];
        }
    }
}
