using System.Reflection;
using Apd.Engine.Evaluation;

namespace Apd.Engine.Tests.Evaluation;

public sealed class EvaluationIndependenceTests
{
    [Test]
    public void No_evaluation_type_mentions_a_training_type_in_its_signatures()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var evaluation = typeof(AccuracyMatrix).Assembly.GetTypes().Where(t => t.Namespace == "Apd.Engine.Evaluation").ToArray();
        Assert.That(evaluation, Has.Length.GreaterThanOrEqualTo(4));
        var offending = new List<string>();
        foreach (var type in evaluation)
        {
            var mentioned = new List<Type>();
            if (type.BaseType is { } b) mentioned.Add(b);
            mentioned.AddRange(type.GetInterfaces());
            mentioned.AddRange(type.GetFields(all).Select(f => f.FieldType));
            mentioned.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
            foreach (var m in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                mentioned.AddRange(m.GetParameters().Select(p => p.ParameterType));
                if (m is MethodInfo mi) mentioned.Add(mi.ReturnType);
            }
            foreach (var t in mentioned.SelectMany(Expand))
                if (t.Namespace?.StartsWith("Apd.Engine.Training", StringComparison.Ordinal) == true)
                    offending.Add($"{type.Name} → {t.FullName}");
        }
        Assert.That(offending, Is.Empty);

        static IEnumerable<Type> Expand(Type t)
        {
            yield return t;
            if (t.HasElementType) foreach (var e in Expand(t.GetElementType()!)) yield return e;
            if (t.IsGenericType) foreach (var g in t.GetGenericArguments().SelectMany(Expand)) yield return g;
        }
    }
}
