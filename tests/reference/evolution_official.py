"""The AutoST evolutionary search as evolution.py runs it (SPEC.md §3.5), with FLOPs as the indicator,
for tests/test_nas_evolution.cpp: the candidates it evaluates, in order, with their parameter counts
and FLOPs.

The official script needs its unreleased lib/ and a GPU, so this is a re-implementation of its
EvolutionSearcher control flow (the same calls to Python's `random`, in the same order, so the
fixture pins the random stream too). The legality check uses SPEC.md §2.7's closed-form parameter
count; every evaluated candidate is then also built as the AutoST module structure of SPEC.md §2.4
on PyTorch's meta device and counted the way syops does (forward hooks per module type on one batch
of 32 all-ones images, divided by 32), and both counts must agree.

Run with Debian's python3 (python3-torch): /usr/bin/python3 tests/reference/evolution_official.py
"""
import os
import random

import torch
import torch.nn as nn
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "nas")
SPACES = os.path.join(HERE, "..", "..", "nas", "spaces")


# ---- the AutoST model's module structure (shapes only: the neurons pass their input through) ----
class PLIF(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        return x


def token_linear(lin, bn, x):
    """Linear on [T*B, N, C], BatchNorm1d over channels, back to [T*B, N, C]."""
    return bn(lin(x).transpose(-1, -2)).transpose(-1, -2)


class SSA(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.lif = PLIF()
        for p in "qkv":
            setattr(self, p + "_linear", nn.Linear(dim, dim))
            setattr(self, p + "_bn", nn.BatchNorm1d(dim))
            setattr(self, p + "_lif", PLIF())
        self.attn_lif = PLIF()
        self.proj_linear = nn.Linear(dim, dim)
        self.proj_bn = nn.BatchNorm1d(dim)

    def forward(self, x):
        T, B, N, C = x.shape
        s = self.lif(x).flatten(0, 1)
        qkv = []
        for p in "qkv":
            y = token_linear(getattr(self, p + "_linear"), getattr(self, p + "_bn"), s).reshape(T, B, N, C)
            y = getattr(self, p + "_lif")(y)
            qkv.append(y.reshape(T, B, N, self.heads, C // self.heads).permute(0, 1, 3, 2, 4))
        q, k, v = qkv
        y = ((q @ k.transpose(-2, -1)) * 0.125) @ v
        y = self.attn_lif(y.transpose(2, 3).reshape(T, B, N, C))
        return token_linear(self.proj_linear, self.proj_bn, y.flatten(0, 1)).reshape(T, B, N, C)


class MLP(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1_lif = PLIF()
        self.fc1_linear = nn.Linear(dim, hidden)
        self.fc1_bn = nn.BatchNorm1d(hidden)
        self.fc2_lif = PLIF()
        self.fc2_linear = nn.Linear(hidden, dim)
        self.fc2_bn = nn.BatchNorm1d(dim)

    def forward(self, x):
        T, B, N, C = x.shape
        y = token_linear(self.fc1_linear, self.fc1_bn, self.fc1_lif(x).flatten(0, 1))
        y = self.fc2_lif(y.reshape(T, B, N, -1))
        return token_linear(self.fc2_linear, self.fc2_bn, y.flatten(0, 1)).reshape(T, B, N, C)


class Block(nn.Module):
    def __init__(self, dim, heads, ratio):
        super().__init__()
        self.attn = SSA(dim, heads)
        self.mlp = MLP(dim, int(dim * ratio))

    def forward(self, x):
        x = x + self.attn(x)
        return x + self.mlp(x)


class SPS(nn.Module):
    def __init__(self, cin, D):
        super().__init__()
        widths = [cin, D // 8, D // 4, D // 2, D]
        for i, suffix in enumerate(["", "1", "2", "3"]):
            setattr(self, "proj_conv" + suffix, nn.Conv2d(widths[i], widths[i + 1], 3, 1, 1, bias=False))
            setattr(self, "proj_bn" + suffix, nn.BatchNorm2d(widths[i + 1]))
            if i < 3:
                setattr(self, "proj_lif" + suffix, PLIF())
        self.maxpool2 = nn.MaxPool2d(3, 2, 1)
        self.maxpool3 = nn.MaxPool2d(3, 2, 1)
        self.rpe_conv = nn.Conv2d(D, D, 3, 1, 1, bias=False)
        self.rpe_bn = nn.BatchNorm2d(D)

    def forward(self, x):
        T, B = x.shape[:2]
        x = x.flatten(0, 1)
        for suffix in ["", "1", "2"]:
            x = getattr(self, "proj_bn" + suffix)(getattr(self, "proj_conv" + suffix)(x))
            x = getattr(self, "proj_lif" + suffix)(x.reshape(T, B, *x.shape[1:])).flatten(0, 1)
        x = self.maxpool3(self.proj_bn3(self.proj_conv3(self.maxpool2(x))))
        x = x + self.rpe_bn(self.rpe_conv(x))
        return x.flatten(-2).transpose(-1, -2).reshape(T, B, x.shape[-1] * x.shape[-2], -1)


class AutoST(nn.Module):
    def __init__(self, D, heads, ratios, classes=100, cin=3, T=4):
        super().__init__()
        self.T = T
        self.patch_embed = SPS(cin, D)
        self.block = nn.ModuleList([Block(D, h, r) for h, r in zip(heads, ratios)])
        self.head = nn.Linear(D, classes)

    def forward(self, x):
        x = self.patch_embed(x.unsqueeze(0).repeat(self.T, 1, 1, 1, 1))
        for blk in self.block:
            x = blk(x)
        return self.head(x.mean(2).mean(0))


def syops_ops0(model, batch=32):
    """syops' ops[0]: per hooked module and call, then divided by the batch."""
    total = [0]

    def hook(m, inputs, output):
        x = inputs[0]
        if isinstance(m, nn.Conv2d):
            positions = output.shape[0] * output.shape[2] * output.shape[3]
            ops = m.kernel_size[0] * m.kernel_size[1] * m.in_channels * m.out_channels * positions
            total[0] += ops + (m.out_channels * positions if m.bias is not None else 0)
        elif isinstance(m, nn.Linear):
            total[0] += x.numel() * m.out_features + (m.out_features if m.bias is not None else 0)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            total[0] += 2 * x.numel()
        elif isinstance(m, (nn.MaxPool2d, PLIF)):
            total[0] += x.numel()

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    with torch.no_grad():
        model.eval()(torch.ones(batch, 3, 32, 32, device="meta"))
    for h in handles:
        h.remove()
    return total[0] / batch


def closed_form_params(D, ratios, classes=100, cin=3):
    n = int(9 * (cin * D // 8 + D // 8 * (D // 4) + D // 4 * (D // 2) + D // 2 * D + D * D))
    n += 2 * (D // 8 + D // 4 + D // 2 + 2 * D) + 3
    for r in ratios:
        H = int(D * r)
        n += 4 * D * D + 2 * D * H + 15 * D + 3 * H + 7
    return n + D * classes + classes


# ---- evolution.py's EvolutionSearcher, indicator = FLOPs (ld = 0) ----
def decode(c):
    L = c[0]
    return L, list(c[1:L + 1]), list(c[L + 1:2 * L + 1]), c[-1]


class Searcher:
    def __init__(self, choices, pmin, pmax):
        self.choices, self.pmin, self.pmax = choices, pmin, pmax
        self.vis, self.top, self.candidates, self.all_res = {}, [], [], []
        self.param_cache = {}

    def is_legal(self, cand):
        info = self.vis.setdefault(cand, {})
        if "visited" in info:
            return False
        L, ratios, heads, D = decode(cand)
        key = (D, tuple(sorted(ratios)))
        if key not in self.param_cache:
            self.param_cache[key] = closed_form_params(D, ratios)
        params = self.param_cache[key] / 10 ** 6
        if params > self.pmax or params < self.pmin:
            return False
        model = AutoST(D, heads, ratios).to("meta")
        counted = sum(p.numel() for p in model.parameters() if p.requires_grad)
        assert counted == self.param_cache[key], (cand, counted, self.param_cache[key])
        flops = syops_ops0(model) / 10 ** 9
        info.update(visited=True, score=flops, params=counted / 10 ** 6, flops=flops)
        self.all_res.append(cand)
        return True

    def batches(self, draw):
        while True:
            cands = [draw() for _ in range(10)]
            for c in cands:
                yield c

    def random_cand(self):
        L = random.choice(self.choices["depth"])
        t = [L] + [random.choice(self.choices["mlp_ratio"]) for _ in range(L)]
        t += [random.choice(self.choices["num_heads"]) for _ in range(L)]
        return tuple(t + [random.choice(self.choices["embed_dim"])])

    def get_random(self, num):
        it = self.batches(self.random_cand)
        while len(self.candidates) < num:
            c = next(it)
            if self.is_legal(c):
                self.candidates.append(c)

    def mutate(self, m_prob, s_prob):
        L, ratios, heads, D = decode(list(random.choice(self.top)))
        if random.random() < s_prob:
            new_L = random.choice(self.choices["depth"])
            if new_L > L:
                ratios = ratios + [random.choice(self.choices["mlp_ratio"]) for _ in range(new_L - L)]
                heads = heads + [random.choice(self.choices["num_heads"]) for _ in range(new_L - L)]
            else:
                ratios, heads = ratios[:new_L], heads[:new_L]
            L = new_L
        for i in range(L):
            if random.random() < m_prob:
                ratios[i] = random.choice(self.choices["mlp_ratio"])
        for i in range(L):
            if random.random() < m_prob:
                heads[i] = random.choice(self.choices["num_heads"])
        if random.random() < s_prob:
            D = random.choice(self.choices["embed_dim"])
        return tuple([L] + ratios + heads + [D])

    def cross(self):
        p1, p2 = random.choice(self.top), random.choice(self.top)
        tries = 50
        while len(p1) != len(p2) and tries > 0:
            tries -= 1
            p1, p2 = random.choice(self.top), random.choice(self.top)
        child = tuple(random.choice([i, j]) for i, j in zip(p1, p2))
        return child if len(p1) == len(p2) else None  # the malformed child is skipped

    def breed(self, draw, num):
        res, it, iters = [], self.batches(draw), num * 10
        while len(res) < num and iters > 0:
            iters -= 1
            c = next(it)
            if c is None or not self.is_legal(c):
                continue
            res.append(c)
        return res

    def search(self, population=50, select=10, mutation=25, crossover=25, m_prob=0.2, s_prob=0.4, epochs=20):
        self.get_random(population)
        for _ in range(epochs):
            self.top = sorted(self.top + self.candidates, key=lambda c: self.vis[c]["score"], reverse=True)[:select]
            self.candidates = self.breed(lambda: self.mutate(m_prob, s_prob), mutation)
            self.candidates += self.breed(self.cross, crossover)
            self.get_random(population)


def run(tier, seed):
    with open(os.path.join(SPACES, tier + ".yaml")) as f:
        space = yaml.safe_load(f)["SEARCH_SPACE"]
    choices = {"mlp_ratio": space["MLP_RATIO"], "num_heads": space["NUM_HEADS"], "depth": space["DEPTH"],
               "embed_dim": space["EMBED_DIM"]}
    random.seed(seed)
    s = Searcher(choices, 11, 12)
    s.search()
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "evolution_official_%s_seed%d.csv" % (tier, seed)), "w") as f:
        f.write("order,candidate,params_m,flops_g\n")
        for i, c in enumerate(s.all_res):
            info = s.vis[c]
            f.write("%d,%s,%r,%r\n" % (i, " ".join(map(str, c)), info["params"], info["flops"]))
    best = max(s.all_res, key=lambda c: s.vis[c]["score"])
    print(tier, seed, len(s.all_res), "evaluated; best", best, s.vis[best]["flops"])


if __name__ == "__main__":
    run("small", 0)
    run("tiny", 1)
