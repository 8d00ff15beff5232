# Reference numbers for Apd.Engine.Tests/Optim/AdamTests.cs, produced with PyTorch 1.13 (CPU, float32):
#   /usr/bin/python3 Apd.Engine.Tests/Fixtures/torch/adam_reference.py
# Two parameter tensors in one group, four steps of torch.optim.Adam (lr 0.01, betas (0.9, 0.999),
# eps 1e-8) with a fresh seeded gradient each step; then the same with weight_decay 0.1.
# Prints C# literals: initial values, the gradient of each step, and the values after each step.
import torch

def fmt(t):
    return ", ".join("%.9gf" % v for v in t.flatten().tolist())

def run(weight_decay):
    g = torch.Generator().manual_seed(7)
    a = torch.randn(5, generator=g)
    b = torch.randn(3, 4, generator=g)
    print("// weight_decay = %g" % weight_decay)
    print("a0 = { %s };" % fmt(a))
    print("b0 = { %s };" % fmt(b))
    pa, pb = a.clone().requires_grad_(), b.clone().requires_grad_()
    opt = torch.optim.Adam([pa, pb], lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay, foreach=False)
    for step in range(4):
        ga = torch.randn(5, generator=g) * (10.0 ** (step - 2))
        gb = torch.randn(3, 4, generator=g) * (10.0 ** (2 - step))
        pa.grad, pb.grad = ga.clone(), gb.clone()
        opt.step()
        print("ga[%d] = { %s };" % (step, fmt(ga)))
        print("gb[%d] = { %s };" % (step, fmt(gb)))
        print("a[%d] = { %s };" % (step, fmt(pa.detach())))
        print("b[%d] = { %s };" % (step, fmt(pb.detach())))

run(0.0)
run(0.1)
