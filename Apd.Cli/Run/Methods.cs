// Builds the model and the hooks of each method of `apd run`; the trainer is the same for all.
using Apd.Engine.Layers;
using Apd.Engine.Training;
using Apd.Engine.Training.Baselines;

namespace Apd.Cli.Run;

internal static class Methods
{
    public static IReadOnlyList<string> Names { get; } = ["apd", "stl", "finetune", "ewc", "l2t"];

    public static (IContinualModel Model, ITrainingHook[] Hooks) Create(RunConfig config, NetworkArchitecture architecture)
    {
        switch (config.Method)
        {
            case "stl":
                return (new SingleTaskModels(architecture, config.Seed), []);
            case "finetune":
                return (new FineTuningModel(architecture, config.Seed), []);
            case "ewc":
            {
                var model = new FineTuningModel(architecture, config.Seed);
                return (model, [new EwcHook(model.SharedParameters, config.EwcLambda, config.EwcSamples)]);
            }
            case "l2t":
            {
                var model = new FineTuningModel(architecture, config.Seed);
                return (model, [new L2TransferHook(model.SharedParameters, config.L2tLambda)]);
            }
            case "apd":
                throw new CliUsageException("method 'apd' is not wired into this build yet (it arrives with the APD model)");
            default:
                throw new CliUsageException($"unknown method '{config.Method}'; choose one of {string.Join(", ", Names)}");
        }
    }
}
