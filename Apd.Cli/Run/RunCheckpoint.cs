// `apd run --save FILE` / `--resume FILE`: a checkpoint is the model's state, the state of the method's
// hooks, the run's configuration and the reports of the tasks learned so far, in one CheckpointFile.
using System.Text.Json;
using Apd.Engine.Checkpoints;
using Apd.Engine.Evaluation;
using Apd.Engine.Training;

namespace Apd.Cli.Run;

internal static class RunCheckpoint
{
    private const string ConfigProperty = "run.config";
    private const string HistoryProperty = "run.history";
    private static readonly JsonSerializerOptions Json = new() { IncludeFields = false };

    public static void Save(string path, IContinualModel model, IEnumerable<ITrainingHook> hooks, RunConfig config, ContinualRunResult result)
    {
        if (model is not ICheckpointable checkpointable)
            throw new InvalidOperationException($"method '{config.Method}' cannot be saved: its model does not export its state");
        var state = checkpointable.ExportState();
        foreach (var h in hooks)
        {
            if (h is ICheckpointableHook c) c.ExportState(state);
            else throw new InvalidOperationException($"method '{config.Method}' cannot be saved: hook {h.GetType().Name} does not export its state");
        }
        state.Properties[ConfigProperty] = JsonSerializer.Serialize(config with { JsonPath = null, SavePath = null, ResumePath = null }, Json);
        state.Properties[HistoryProperty] = JsonSerializer.Serialize(result.Tasks.Select(Saved.From).ToArray(), Json);
        CheckpointFile.Save(path, state);
    }

    public static (ModelState State, RunConfig Config, ContinualRunResult Result) Load(string path)
    {
        var state = CheckpointFile.Load(path);
        try
        {
            var config = JsonSerializer.Deserialize<RunConfig>(state.Property(ConfigProperty), Json)
                ?? throw new InvalidDataException("empty run configuration");
            var history = JsonSerializer.Deserialize<Saved[]>(state.Property(HistoryProperty), Json)
                ?? throw new InvalidDataException("empty run history");
            return (state, config, ContinualRunResult.FromReports(history.Select(h => h.ToReport()).ToArray()));
        }
        catch (Exception e) when (e is JsonException or ArgumentException or NotSupportedException)
        {
            throw new InvalidDataException($"checkpoint {path}: the run record is unreadable ({e.Message})", e);
        }
    }

    private sealed record Saved(int TaskId, string Name, double[] Accuracies, double Seconds, double MsPerStep, CapacityReport? Capacity)
    {
        public static Saved From(TaskReport r) => new(r.TaskId, r.TaskName, r.Accuracies.ToArray(), r.Seconds, r.MsPerStep, r.Capacity);

        public TaskReport ToReport() => new(TaskId, Name, Accuracies, Seconds, MsPerStep, Capacity);
    }
}
