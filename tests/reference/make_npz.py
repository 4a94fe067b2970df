#!/usr/bin/python3
"""Writes tests/fixtures/data/dvs_*: one small CIFAR10-DVS-style recording in the three forms the
C++ readers take, and the frames SpikingJelly would build from it.

- dvs_events_compressed.npz / dvs_events_stored.npz: np.savez_compressed / np.savez with
  SpikingJelly's dtypes (t >u4, x and y <u4, p <i8), already in its coordinates;
- dvs_events.aedat: the same events as AEDAT 2.0 (jAER header, big-endian address/timestamp
  words, raw address = (127 - x) << 8 | (127 - y) << 1 | (1 - p): raw_y = 127 - x and raw_x = 127 - y,
  the inverse of SpikingJelly's remap);
- dvs_frames_T{T}_{number,time}.npz: key "frames", float64 [T, 2, 128, 128], computed by a NumPy
  restatement of integrate_events_by_fixed_frames_number (DATA_FORMATS.md §2.4), written here
  independently of the C++ code.
Run once with /usr/bin/python3 (numpy); the outputs are committed."""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "fixtures", "data")
H = W = 128


def integrate(t, x, y, p, T, split_by):
    """SpikingJelly 0.0.0.0.12 integrate_events_by_fixed_frames_number, as restated in §2.4."""
    N = t.size
    j_l = np.zeros(T, dtype=np.int64)
    j_r = np.zeros(T, dtype=np.int64)
    if split_by == "number":
        di = N // T
        for i in range(T):
            j_l[i] = i * di
            j_r[i] = j_l[i] + di
    else:
        t = t.astype(np.int64)
        dt = (t[-1] - t[0]) // T
        idx = np.arange(N)
        for i in range(T):
            t_l = dt * i + t[0]
            t_r = t_l + dt
            masked = idx[np.logical_and(t >= t_l, t < t_r)]
            assert masked.size > 0, "SpikingJelly would crash on this empty time bin"
            j_l[i] = masked[0]
            j_r[i] = masked[-1] + 1
    j_r[-1] = N
    frames = np.zeros([T, 2, H, W])
    for i in range(T):
        sl = slice(j_l[i], j_r[i])
        pos = p[sl].astype(np.int64) * H * W + y[sl].astype(np.int64) * W + x[sl].astype(np.int64)
        frames[i] = np.bincount(pos, minlength=2 * H * W).reshape(2, H, W)
    return frames


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.RandomState(20240601)
    n = 1000
    # Sorted timestamps with uneven gaps (bursts), on a few hot pixels so counts exceed 1.
    t = (np.cumsum(rng.randint(0, 40, size=n)) + 123456).astype(">u4")
    x = rng.randint(0, 128, size=n).astype("<u4")
    y = rng.randint(0, 128, size=n).astype("<u4")
    hot = rng.rand(n) < 0.3
    x[hot] = 5
    y[hot] = 120
    x[0], y[0] = 0, 127  # the corners, so a transposed remap would show
    x[1], y[1] = 127, 0
    p = rng.randint(0, 2, size=n).astype("<i8")

    np.savez_compressed(os.path.join(OUT, "dvs_events_compressed.npz"), t=t, x=x, y=y, p=p)
    np.savez(os.path.join(OUT, "dvs_events_stored.npz"), t=t, x=x, y=y, p=p)

    addr = ((127 - x.astype(np.uint32)) << 8) | ((127 - y.astype(np.uint32)) << 1) | (1 - p).astype(np.uint32)
    body = np.empty(2 * n, dtype=">u4")
    body[0::2] = addr
    body[1::2] = t
    header = (b"#!AER-DAT2.0\r\n"
              b"# This is a raw AE data file - do not edit\r\n"
              b"# Data format is int32 address, int32 timestamp (8 bytes total), repeated for each event\r\n"
              b"# Timestamps tick is 1 us\r\n")
    with open(os.path.join(OUT, "dvs_events.aedat"), "wb") as f:
        f.write(header + body.tobytes())

    for T in (1, 3, 7):
        for split_by in ("number", "time"):
            frames = integrate(t, x, y, p, T, split_by)
            assert frames.sum() == n
            np.savez_compressed(os.path.join(OUT, f"dvs_frames_T{T}_{split_by}.npz"), frames=frames)


if __name__ == "__main__":
    main()
