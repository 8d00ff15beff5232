// Capacity of plain networks: every trunk weight (parameters of rank ≥ 2) is stored as is, so the
// count is their non-zeros; biases and heads are reported separately.
using Apd.Engine.Evaluation;
using Apd.Engine.Layers;
using Apd.Engine.Tensors;

namespace Apd.Engine.Training.Baselines;

internal static class PlainCapacity
{
    public static IEnumerable<Parameter> TrunkWeights(MultiHeadNetwork network) =>
        network.Trunk.SelectMany(l => l.Parameters).Distinct().Where(p => p.Shape.Length >= 2);

    public static CapacityReport Of(IReadOnlyList<MultiHeadNetwork> networks)
    {
        long weights = TrunkWeights(networks[0]).Sum(p => (long)p.Length);
        long nonZeros = 0, rest = 0;
        foreach (var n in networks)
        {
            nonZeros += TrunkWeights(n).Sum(p => CapacityReport.CountNonZeros(p.Value));
            rest += n.Parameters.Sum(p => (long)p.Length) - TrunkWeights(n).Sum(p => (long)p.Length);
        }
        return new CapacityReport(weights, nonZeros, 0, 0, rest);
    }
}
