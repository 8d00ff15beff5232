#!/usr/bin/python3
"""PyTorch peer of `apd bench apd-step`: one APD training step of the authors' LeNet (3x32x32, batch 100)
written the way a PyTorch user would write it: every old task keeps a dense tau_i (an Adam-trained
parameter) and a dense theta_i* snapshot, and the retroactive loss sums over all of them each step
(the joint form, O(T*|sigma|) per step). Prints {"results": [{"tasks": T, "step_ms": median}]}.
Run with /usr/bin/python3 (Debian python3-torch); threads fixed with --threads (default 2)."""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F


class DecomposedWeight:
    def __init__(self, shape, axis, fan_in, fan_out, gen):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        self.shape, self.axis = shape, axis
        self.sigma = torch.nn.Parameter((torch.rand(shape, generator=gen) * 2 - 1) * limit)
        self.channels = shape[axis]
        self.v, self.tau, self.star = {}, {}, {}

    def mask_view(self, v):
        view = [1] * len(self.shape)
        view[self.axis] = self.channels
        return torch.sigmoid(v).view(view)

    def theta(self, t):
        return self.sigma * self.mask_view(self.v[t]) + self.tau[t]


def build(tasks, density, gen):
    layers = {
        "conv1": DecomposedWeight((20, 3, 5, 5), 0, 75, 500, gen),
        "conv2": DecomposedWeight((50, 20, 5, 5), 0, 500, 1250, gen),
        "fc1": DecomposedWeight((3200, 800), 1, 3200, 800, gen),
        "fc2": DecomposedWeight((800, 500), 1, 800, 500, gen),
    }
    biases = {}
    for t in range(tasks):
        current = t == tasks - 1
        for w in layers.values():
            w.v[t] = torch.nn.Parameter((torch.rand(w.channels, generator=gen) * 6 - 3) if not current else torch.zeros(w.channels),
                                        requires_grad=current)
            if current:
                w.tau[t] = torch.nn.Parameter(torch.zeros(w.shape))
            else:
                keep = (torch.rand(w.shape, generator=gen) < density).float()
                w.tau[t] = torch.nn.Parameter(keep * (torch.rand(w.shape, generator=gen) * 0.1 - 0.05))
                with torch.no_grad():
                    w.star[t] = w.theta(t).detach().clone()
        biases[t] = {n: torch.nn.Parameter(torch.zeros(c)) for n, c in (("conv1", 20), ("conv2", 50), ("fc1", 800), ("fc2", 500))}
    head = torch.nn.Linear(500, 10)
    return layers, biases, head


def forward(layers, biases, head, t, x):
    b = biases[t]
    h = x
    for name in ("conv1", "conv2"):
        h = F.conv2d(h, layers[name].theta(t), b[name], padding=2)
        h = F.relu(h)
        h = F.local_response_norm(h, size=9, alpha=0.001, beta=0.75, k=1.0)
        h = F.max_pool2d(h, 3, 2, padding=1)
    h = h.flatten(1)
    for name in ("fc1", "fc2"):
        h = F.relu(h @ layers[name].theta(t) + b[name])
    return head(h)


def bench(tasks, density, steps, warmup, seed):
    gen = torch.Generator().manual_seed(seed)
    layers, biases, head = build(tasks, density, gen)
    t = tasks - 1
    params = [w.sigma for w in layers.values()] + [w.v[t] for w in layers.values()] + [w.tau[t] for w in layers.values()]
    params += list(biases[t].values()) + list(head.parameters())
    old = [w.tau[i] for w in layers.values() for i in range(t)]
    opt = torch.optim.Adam(params + old, lr=1e-3)
    x = torch.rand((100, 3, 32, 32), generator=gen)
    y = torch.randint(0, 10, (100,), generator=gen)
    lr, l1, lam2 = 1e-3, 4e-4, 100.0
    times = []
    for step in range(warmup + steps):
        start = time.perf_counter()
        opt.zero_grad()
        loss = F.cross_entropy(forward(layers, biases, head, t, x), y)
        for w in layers.values():
            for i in range(t):
                loss = loss + lam2 * 0.5 * (w.star[i] - w.theta(i)).pow(2).sum()
        loss.backward()
        opt.step()
        with torch.no_grad():
            for p in [w.tau[t] for w in layers.values()] + old:
                p.copy_(torch.sign(p) * torch.clamp(p.abs() - lr * l1, min=0))
        if step >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", default="1,10,50")
    ap.add_argument("--density", type=float, default=0.02)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    results = []
    for tasks in [int(s) for s in a.tasks.split(",") if s]:
        results.append({"tasks": tasks, "step_ms": round(bench(tasks, a.density, a.steps, a.warmup, a.seed), 2)})
    print(json.dumps({"results": results, "torch": torch.__version__, "threads": a.threads}))


if __name__ == "__main__":
    main()
