"""Writes the optimizer fixtures for tests/test_optim.cpp (run with Debian's /usr/bin/python3).

Each case runs torch.optim on four float64 parameters of shapes [3,4], [5], [] and [7] for STEPS
steps with fixed random gradients; the learning rate of every group halves before step LR_DROP,
and parameter 3 has no gradient at step 1 (torch skips it). Files per case:
  <case>_params.npy  [STEPS + 1, 25]  all parameters flattened and concatenated, initial then after each step
  <case>_grads.npy   [STEPS, 25]      the gradients (entries of a missing gradient are 0)
  <case>_mask.npy    [STEPS, 4]       1 where the parameter has a gradient at that step
"""
import os

import numpy as np
import torch

SHAPES = [(3, 4), (5,), (), (7,)]
STEPS = 6
LR_DROP = 3
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "optim")


def flat(ts):
    return torch.cat([t.detach().reshape(-1) for t in ts]).numpy()


def run(case, make_opt, seed):
    torch.manual_seed(seed)
    params = [torch.randn(s, dtype=torch.float64, requires_grad=True) for s in SHAPES]
    opt = make_opt(params)
    history, grads, mask = [flat(params)], [], []
    for k in range(STEPS):
        if k == LR_DROP:
            for g in opt.param_groups:
                g["lr"] *= 0.5
        gs = [torch.randn(s, dtype=torch.float64) for s in SHAPES]
        m = [1.0] * len(SHAPES)
        if k == 1:
            m[3] = 0.0
        for p, g, mi in zip(params, gs, m):
            p.grad = g.clone() if mi else None
        grads.append(flat([g * mi for g, mi in zip(gs, m)]))
        mask.append(m)
        opt.step()
        history.append(flat(params))
    np.save(os.path.join(OUT, case + "_params.npy"), np.stack(history))
    np.save(os.path.join(OUT, case + "_grads.npy"), np.stack(grads))
    np.save(os.path.join(OUT, case + "_mask.npy"), np.array(mask, dtype=np.float64))


def main():
    os.makedirs(OUT, exist_ok=True)
    run("sgd_plain", lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.1), 1)
    run("sgd_momentum", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01), 2)
    run("sgd_nesterov", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), 3)
    run("sgd_dampening", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, dampening=0.3), 4)
    # Two groups as timm builds them: decay 0.06 on [3,4] and the 0-d scalar, none on the 1-D ones.
    run("adamw_groups", lambda p: torch.optim.AdamW(
        [{"params": [p[0], p[2]], "weight_decay": 0.06}, {"params": [p[1], p[3]], "weight_decay": 0.0}],
        lr=5e-3, betas=(0.9, 0.999), eps=1e-8), 5)
    run("adamw_default", lambda p: torch.optim.AdamW(p), 6)


if __name__ == "__main__":
    main()
