#!/usr/bin/python3
"""Runs `autost bench model --json` and the PyTorch twin (tests/reference/models.py) on the same
architecture, batch and thread count, one after the other in the same run, and prints both and
the ratios (above 1: autost faster / lighter).

  bench/compare_torch.py (--arch FILE.yaml | --preset NAME) [--batch 16] [--img S] [--in-ch C]
                         [--classes K] [--T T] [--reps 5] [--threads N]

Memory is compared as resident-set growth from just before the first training step to the
high-water mark, measured the same way in both processes. PyTorch runs with OpenBLAS (AVX-512
forced where the CPU has it, DESIGN.md §8) when libopenblas0-pthread is installed; set
TORCH_BLAS=system to keep the system BLAS. Needs Debian's python3-torch and python3-yaml."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PRESETS = {  # mirrors spiking/arch.cpp's presets
    "spikformer-4-384": ("spikformer", "cifar", 4, 384, 12, 4, 32, 3, 10, 4),
    "spikformer-4-256": ("spikformer", "cifar", 4, 256, 16, 4, 32, 3, 10, 4),
    "spikformer-2-384": ("spikformer", "cifar", 2, 384, 12, 4, 32, 3, 10, 4),
    "spikformer-dvs-2-256": ("spikformer", "dvs", 2, 256, 16, 4, 128, 2, 10, 16),
    "spikformer-8-512": ("spikformer", "imagenet", 8, 512, 8, 4, 224, 3, 1000, 4),
    "autost-4-384": ("autost", "cifar", 4, 384, 12, 4, 32, 3, 100, 4),
}


def status_bytes(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def load_arch(args):
    if args.preset:
        m, v, depth, dim, heads, ratio, img, in_ch, classes, T = PRESETS[args.preset]
        a = dict(model=m, variant=v, depth=depth, dim=dim, heads=[heads] * depth, ratios=[ratio] * depth,
                 img=img, in_ch=in_ch, classes=classes, T=T)
    else:
        import yaml
        with open(args.arch) as f:
            doc = yaml.safe_load(f)
        r = doc["RETRAIN"]
        v = doc.get("VARIANT", r.get("VARIANT", "cifar"))
        defaults = {"cifar": (32, 3, 100, 4), "dvs": (128, 2, 10, 16), "imagenet": (224, 3, 1000, 4)}[v]
        a = dict(model=doc.get("MODEL", r.get("MODEL", "autost")), variant=v, depth=r["DEPTH"], dim=r["EMBED_DIM"],
                 heads=r["NUM_HEADS"], ratios=r["MLP_RATIO"], img=defaults[0], in_ch=defaults[1],
                 classes=defaults[2], T=defaults[3])
    for key, opt in (("img", "img"), ("in_ch", "in_ch"), ("classes", "classes"), ("T", "T")):
        if getattr(args, opt) is not None:
            a[key] = getattr(args, opt)
    return a


def run_torch(a, batch, reps, threads):
    import torch
    sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))
    from models import Model

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Model(a)
    model.train()
    if a["variant"] == "dvs":
        x = torch.randn(batch, a["T"], a["in_ch"], a["img"], a["img"]).abs()
    else:
        x = torch.randn(batch, a["in_ch"], a["img"], a["img"])
    y = torch.arange(batch) % a["classes"]
    decay, no_decay = [], []  # timm 0.5.4's rule: no decay for 1-D tensors and biases
    for n, p in model.named_parameters():
        (no_decay if p.ndim == 1 or n.endswith(".bias") else decay).append(p)
    opt = torch.optim.AdamW([{"params": no_decay, "weight_decay": 0.0}, {"params": decay, "weight_decay": 0.06}],
                            lr=5e-4)

    def step():
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    def median_ms(f):
        f()
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            f()
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times)

    rss0 = status_bytes("VmRSS")
    train_ms = median_ms(step)
    growth = status_bytes("VmHWM") - rss0
    with torch.no_grad():
        fwd_ms = median_ms(lambda: model(x))
    return {"forward_images_per_s": 1000 * batch / fwd_ms, "train_images_per_s": 1000 * batch / train_ms,
            "rss_growth_bytes": growth, "threads": torch.get_num_threads(),
            "blas": os.environ.get("OPENBLAS_CORETYPE", "") or os.environ.get("LD_LIBRARY_PATH", "system BLAS")}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--arch")
    g.add_argument("--preset", choices=sorted(PRESETS))
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--img", type=int)
    p.add_argument("--in-ch", dest="in_ch", type=int)
    p.add_argument("--classes", type=int)
    p.add_argument("--T", type=int)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--torch-child", help=argparse.SUPPRESS)
    args = p.parse_args()
    a = load_arch(args)

    if args.torch_child:  # the PyTorch half, in its own process with the BLAS environment set
        print(json.dumps(run_torch(a, args.batch, args.reps, args.threads)))
        return

    autost = os.environ.get("AUTOST", os.path.join(ROOT, "build", "bin", "autost"))
    cmd = [autost, "bench", "model", "--batch", str(args.batch), "--reps", str(args.reps), "--json",
           "--img", str(a["img"]), "--in-ch", str(a["in_ch"]), "--classes", str(a["classes"]), "--T", str(a["T"])]
    cmd += ["--arch", args.arch] if args.arch else ["--preset", args.preset]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    ours = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout)

    torch_env = dict(env)
    blas_dir = "/usr/lib/x86_64-linux-gnu/openblas-pthread"
    if os.environ.get("TORCH_BLAS", "openblas") != "system" and os.path.exists(os.path.join(blas_dir, "libblas.so.3")):
        torch_env["LD_LIBRARY_PATH"] = blas_dir + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
        if "OPENBLAS_CORETYPE" not in env and "avx512f" in open("/proc/cpuinfo").read():
            torch_env["OPENBLAS_CORETYPE"] = "SKYLAKEX"
    tcmd = [sys.executable, os.path.abspath(__file__), "--torch-child", "1"] + sys.argv[1:]
    theirs = json.loads(subprocess.run(tcmd, env=torch_env, check=True, capture_output=True, text=True).stdout)

    name = args.arch or args.preset
    print(f"model {name}, batch {args.batch}, {args.threads} threads, median of {args.reps}")
    print(f"{'':22s} {'autost':>12s} {'pytorch':>12s} {'ratio':>8s}")
    for key, label, better_high in (("train_images_per_s", "train images/s", True),
                                    ("forward_images_per_s", "forward images/s", True),
                                    ("rss_growth_bytes", "memory growth MiB", False)):
        o, t = ours[key], theirs[key]
        scale = 1 / 2**20 if key.endswith("bytes") else 1
        ratio = (o / t) if better_high else (t / o if o else float("inf"))
        print(f"{label:22s} {o * scale:12.2f} {t * scale:12.2f} {ratio:8.2f}x")
    print(f"(ratios above 1: autost faster or lighter; PyTorch BLAS: {theirs['blas']}; "
          f"autost tensor peak {ours['peak_bytes'] / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
