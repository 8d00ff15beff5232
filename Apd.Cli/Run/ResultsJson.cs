// Writes the results of `apd run` in the apd-run/1 schema (docs/results-schema.md).
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Apd.Engine.Blas;
using Apd.Engine.Decomposition;
using Apd.Engine.Training;

namespace Apd.Cli.Run;

internal static class ResultsJson
{
    public const string Schema = "apd-run/1";

    public static void Write(Stream stream, RunConfig config, string network, ContinualRunResult result, double totalSeconds)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("schema", Schema);
        w.WriteString("benchmark", config.Benchmark);
        w.WriteString("method", config.Method);
        w.WriteNumber("seed", config.Seed);

        w.WriteStartObject("config");
        w.WriteString("network", network);
        w.WriteNumber("epochs", config.Epochs);
        w.WriteNumber("batch", config.Batch);
        w.WriteNumber("lr", config.LearningRate);
        w.WriteNumber("lr_decay_per_epoch", config.DecayPerEpoch);
        if (config.TrainPerTask is { } k) w.WriteNumber("train_per_task", k); else w.WriteNull("train_per_task");
        if (config.TestPerTask is { } kt) w.WriteNumber("test_per_task", kt); else w.WriteNull("test_per_task");
        if (config.Order is { } order)
        {
            w.WriteStartArray("order");
            foreach (int c in order) w.WriteNumberValue(c);
            w.WriteEndArray();
        }
        else w.WriteNull("order");
        if (config.PaperOrder is { } paper) w.WriteNumber("paper_order", paper); else w.WriteNull("paper_order");
        w.WriteBoolean("random_order", config.RandomOrder);
        w.WriteNumber("validation_fraction", config.ValidationFraction);
        w.WriteString("evaluated_on", config.ValidationFraction > 0 ? "validation" : "test");
        w.WriteString("normalization", config.Normalization == global::Apd.Data.PixelNormalization.MeanStd ? "meanstd" : "unit");
        switch (config.Method)
        {
            case "ewc":
                w.WriteNumber("ewc_lambda", config.EwcLambda);
                w.WriteNumber("ewc_fisher_samples", config.EwcSamples);
                break;
            case "l2t":
                w.WriteNumber("l2t_lambda", config.L2tLambda);
                break;
            case "apd":
                var o = config.Apd;
                w.WriteStartObject("apd");
                w.WriteNumber("l1", o.L1);
                if (o.L1ByLayer is { } byLayer)
                {
                    w.WriteStartObject("l1_by_layer");
                    foreach (var (layer, value) in byLayer.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteNumber(layer, value);
                    w.WriteEndObject();
                }
                w.WriteNumber("lambda_retro", o.Reconstruction);
                w.WriteNumber("l1_old", o.RetroactiveL1);
                w.WriteNumber("lambda_drift", o.Drift);
                w.WriteNumber("weight_decay", o.WeightDecay);
                w.WriteString("retroactive", o.Retroactive switch { RetroactiveForm.ClosedForm => "closed", RetroactiveForm.ClosedFormGradient => "closed-gradient", _ => "joint" });
                w.WriteNumber("consolidate_every", o.ConsolidateEvery);
                w.WriteNumber("k", o.ConsolidationGroups);
                w.WriteNumber("beta", o.ConsolidationTolerance);
                w.WriteString("consolidation", o.ConsolidationRule == ConsolidationRule.AllNonZero ? "all-nonzero" : "span");
                w.WriteString("mask_init", config.ApdNetwork.MaskFromPreviousTask ? "previous" : "zero");
                w.WriteString("tau_init", config.ApdNetwork.TauInit switch { TauInit.Zero => "zero", TauInit.CopyOfSigma => "sigma", _ => "previous" });
                w.WriteEndObject();
                break;
        }
        w.WriteEndObject();

        w.WriteStartArray("task_order");
        foreach (var t in result.Tasks) w.WriteStringValue(t.TaskName);
        w.WriteEndArray();

        w.WriteStartArray("accuracy_matrix");
        foreach (var row in result.Accuracy.ToJagged())
        {
            w.WriteStartArray();
            foreach (double a in row) w.WriteNumberValue(a);
            w.WriteEndArray();
        }
        w.WriteEndArray();

        w.WriteNumber("final_avg_accuracy", result.FinalAverageAccuracy);
        w.WriteNumber("bwt", result.BackwardTransfer);
        w.WriteNumber("forgetting", result.Forgetting);
        Numbers(w, "capacity", result.Tasks.Select(t => t.Capacity?.Capacity ?? double.NaN));
        w.WriteStartArray("capacity_detail");
        foreach (var t in result.Tasks)
        {
            w.WriteStartObject();
            if (t.Capacity is { } c)
            {
                w.WriteNumber("network_weights", c.NetworkWeights);
                w.WriteNumber("shared_nonzeros", c.SharedNonZeros);
                w.WriteNumber("task_adaptive_nonzeros", c.TaskAdaptiveNonZeros);
                w.WriteNumber("mask_values", c.MaskValues);
                w.WriteNumber("bias_and_head_values", c.BiasAndHeadValues);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        Numbers(w, "seconds_per_task", result.Tasks.Select(t => t.Seconds));
        Numbers(w, "ms_per_step", result.Tasks.Select(t => t.MsPerStep));
        w.WriteNumber("total_seconds", totalSeconds);

        w.WriteStartObject("versions");
        w.WriteString("apd", typeof(ResultsJson).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");
        w.WriteString("runtime", RuntimeInformation.FrameworkDescription);
        w.WriteString("os", RuntimeInformation.OSDescription);
        w.WriteString("blas", BlasProvider.Current.Name);
        w.WriteNumber("processors", Environment.ProcessorCount);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Numbers(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WriteStartArray(name);
        foreach (double v in values)
        {
            if (double.IsFinite(v)) w.WriteNumberValue(v);
            else w.WriteNullValue();
        }
        w.WriteEndArray();
    }
}
