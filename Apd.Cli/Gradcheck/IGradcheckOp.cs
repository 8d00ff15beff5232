// One op of the gradcheck format, computed by the engine's float32 kernels. Implementations are found
// by reflection (one class per op, anywhere in this assembly), so a new op touches only its own file.
namespace Apd.Cli.Gradcheck;

public interface IGradcheckOp
{
    /// <summary>The op name as written in the file, e.g. "conv2d".</summary>
    string Op { get; }

    /// <summary>Computes the op's outputs and gradients (names as in the format's table) from the case's inputs.</summary>
    IReadOnlyDictionary<string, GradTensor> Run(GradcheckCase c);
}
