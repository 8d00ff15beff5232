#!/usr/bin/env python3
"""PyTorch peer of `apd bench step`: the authors' LeNet, one training step at batch 100 with Adam,
and inference at batch 100 and batch 1, on 3x32x32 (lenet-cifar) and 1x28x28 (lenet-fmnist).

Run as Apd runs it (2 threads, single-threaded OpenBLAS):
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 Apd.Benchmarks/peers/lenet_step.py [--json FILE] [--steps 20]
Prints a table and, with --json, writes {"results": [{"workload", "threads", "train_step_ms", "infer_b100_ms", "infer_b1_ms"}]}.
torch's LocalResponseNorm(size=9, alpha=9*a) equals TensorFlow's LRN(depth_radius 4, alpha a); max-pool
3x3/2 with padding 1 gives the same output sizes as TF SAME here (the cost is the same).
"""
import argparse
import json
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402


def lenet(channels, flat):
    alpha = 0.001 / 9.0
    return nn.Sequential(
        nn.Conv2d(channels, 20, 5, padding=2), nn.ReLU(), nn.LocalResponseNorm(9, alpha=9 * alpha, beta=0.75, k=1.0),
        nn.MaxPool2d(3, 2, padding=1),
        nn.Conv2d(20, 50, 5, padding=2), nn.ReLU(), nn.LocalResponseNorm(9, alpha=9 * alpha, beta=0.75, k=1.0),
        nn.MaxPool2d(3, 2, padding=1),
        nn.Flatten(),
        nn.Linear(flat, 800), nn.ReLU(),
        nn.Linear(800, 500), nn.ReLU(),
        nn.Linear(500, 10))


def median_ms(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(samples)


def measure(name, c, h, w, flat, steps, warmup, threads):
    torch.manual_seed(1)
    model = lenet(c, flat)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(100, c, h, w)
    y = torch.randint(0, 10, (100,))
    x1 = x[:1].clone()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    def infer(batch):
        with torch.no_grad():
            model(batch)

    train = median_ms(step, warmup, steps)
    b100 = median_ms(lambda: infer(x), warmup, steps)
    b1 = median_ms(lambda: infer(x1), 20, max(steps, 200))
    return {"workload": name, "threads": threads, "train_step_ms": round(train, 3),
            "infer_b100_ms": round(b100, 3), "infer_b1_ms": round(b1, 4)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workload", default="all", choices=["all", "lenet-cifar", "lenet-fmnist"])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    workloads = [("lenet-cifar", 3, 32, 32, 3200), ("lenet-fmnist", 1, 28, 28, 2450)]
    results = [measure(n, c, h, w, f, args.steps, args.warmup, args.threads)
               for (n, c, h, w, f) in workloads if args.workload in ("all", n)]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    print(f"{'workload':<14}{'train_step_ms':>15}{'img/s':>10}{'infer_b100_ms':>15}{'infer_b1_ms':>13}")
    for r in results:
        print(f"{r['workload']:<14}{r['train_step_ms']:>15.2f}{100000 / r['train_step_ms']:>10.0f}{r['infer_b100_ms']:>15.2f}{r['infer_b1_ms']:>13.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"peer": f"torch {torch.__version__}", "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
