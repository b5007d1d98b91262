"""Shared by keras_bench.py and torch_bench.py: arguments, the spec written by run.mjs, timed slices, the
one-JSON-line-per-measurement protocol (the same shape as bench/lib.mjs), and the reader of xp's data feed."""
import argparse
import json
import math
import os
import resource
import struct
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args(runner):
    p = argparse.ArgumentParser(description=f'{runner} side of the xp benchmark (run by bench/run.mjs)')
    p.add_argument('task', choices=['throughput', 'tta'])
    p.add_argument('--spec', required=True, help='bench/out/spec.json, written by run.mjs')
    p.add_argument('--model', default='final', choices=['baseline', 'final'])
    p.add_argument('--variant', default='default', help='keras: default | jit')
    p.add_argument('--precision', default='float32', choices=['float32', 'mixed_bfloat16'],
                   help="keras: the global mixed-precision policy (Keras's names; xp's training.precision)")
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--warmup', type=int, default=10)
    p.add_argument('--slices', type=int, default=7)
    p.add_argument('--slice-batches', type=int, default=8)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--target', type=float, default=0.99)
    p.add_argument('--max-epochs', type=int, default=60)
    p.add_argument('--max-minutes', type=float, default=120)
    args = p.parse_args()
    with open(args.spec) as f:
        args.spec = json.load(f)
    return args


def scheduled_lr(c, peak, epoch, total):
    """xp's `lr_schedule` (packages/runner/src/callbacks/lr-schedule.ts) for 0-based `epoch` of `total`, so Keras
    and PyTorch follow the recipe's rates epoch for epoch (Keras's CosineDecay is per step, not per epoch)."""
    kind, min_lr, warmup = c.get('schedule') or 'cosine', c.get('min_lr') or 0.0, c.get('warmup_epochs') or 0

    def cosine(hi, lo, progress):
        return lo + (hi - lo) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))

    if kind == 'onecycle':
        rise = warmup or max(1, round(0.3 * total))
        if epoch < rise:
            return peak / 25 + (peak - peak / 25) * epoch / rise
        return cosine(peak, min_lr, (epoch - rise) / max(1, total - rise))
    if epoch < warmup:
        return peak * (epoch + 1) / (warmup + 1)
    if kind == 'step':
        return peak * (c.get('gamma') or 0.1) ** ((epoch - warmup) // (c.get('step_every') or 10))
    return cosine(peak, min_lr, (epoch - warmup) / max(1, total - warmup))


def peak_rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def emit(record):
    """Prints one measurement as a JSON line on stdout; logs go to stderr."""
    record['peak_rss_mb'] = peak_rss_mb()
    sys.stdout.write(json.dumps(record) + '\n')
    sys.stdout.flush()


def log(msg):
    sys.stderr.write(f'[{os.path.basename(sys.argv[0])}] {msg}\n')
    sys.stderr.flush()


def plan_of(args):
    return {'warmup': args.warmup, 'slices': args.slices, 'sliceBatches': args.slice_batches,
            'batches': args.warmup + args.slices * args.slice_batches}


def slice_rates(ends, plan, batch):
    """Sequences/s of each timed slice from batch-end times in seconds (same cut as bench/lib.mjs)."""
    rates = []
    for j in range(plan['slices']):
        a = ends[plan['warmup'] - 1 + j * plan['sliceBatches']]
        b = ends[plan['warmup'] - 1 + (j + 1) * plan['sliceBatches']]
        rates.append(round(plan['sliceBatches'] * batch / (b - a), 1))
    return rates


def synthetic_batch(spec, batch, seed=1):
    """One random batch (pixels in [0, 1), labels 0…10) as NHWC float32 and int32, like xp-bench's source."""
    rng = np.random.default_rng(seed)
    h, w = spec['input']['height'], spec['input']['width']
    xs = rng.random((batch, h, w, 1), dtype=np.float32)
    ys = rng.integers(0, spec['numClasses'], (batch, spec['maxLen']), dtype=np.int32)
    return xs, ys


def unsupported(model_cfg, runner):
    """Raises when the config uses an option this replication does not build, rather than measuring another net."""
    if model_cfg['type'] == 'multihead-cnn':
        bad = [k for k, ok in [('heads', model_cfg['heads'] == 'shared'), ('length_head', not model_cfg['length_head']),
                               ('weight_decay', model_cfg['weight_decay'] == 0),
                               ('batch_norm', not any(b['batch_norm'] for b in model_cfg['blocks']))] if not ok]
    elif model_cfg['type'] == 'baseline-cnn':
        bad = [] if not model_cfg['length_head'] else ['length_head']
    else:
        bad = ['type']
    if bad:
        raise ValueError(f'{runner} replication does not build model.{", model.".join(bad)} as configured; '
                         'extend bench/{keras,torch}_bench.py before comparing this model')


class Feed:
    """Batches of xp's own pipeline (bench/xp-data-feed.mjs), read from a child process's stdout."""

    def __init__(self, spec, split, epochs, batch):
        cmd = ['node', os.path.join(ROOT, 'bench', 'xp-data-feed.mjs'), '--split', split, '--epochs', str(epochs),
               '--batch', str(batch)]
        for o in spec['recipe']['overrides']:
            cmd += ['--set', o]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT, bufsize=1 << 20)
        self.out = self.proc.stdout
        header = self.out.readline()
        if not header:
            raise RuntimeError(f'the data feed exited with {self.proc.wait()} before its header: {" ".join(cmd)}')
        self.header = json.loads(header)
        h = self.header
        self.pixels = h['height'] * h['width']

    def epoch(self):
        """Yields (xs [n,H,W,1] float32, ys [n,maxLen] int32) until the epoch's end marker."""
        h = self.header
        while True:
            n = struct.unpack('<I', self._read(4))[0]
            if n == 0:
                return
            xs = np.frombuffer(self._read(4 * n * self.pixels), dtype='<f4').reshape(n, h['height'], h['width'], 1)
            ys = np.frombuffer(self._read(4 * n * h['maxLen']), dtype='<i4').reshape(n, h['maxLen'])
            yield xs, ys

    def all(self):
        parts = list(self.epoch())
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _read(self, n):
        b = self.out.read(n)
        if len(b) != n:
            raise RuntimeError(f'the data feed ended early (exit {self.proc.poll()})')
        return b

    def close(self):
        self.out.close()
        self.proc.terminate()
        self.proc.wait()


def now():
    return time.perf_counter()


def run_main(runner, task_fns, args):
    try:
        task_fns[args.task](args)
    except Exception as e:  # one line saying why, instead of a number
        import traceback
        traceback.print_exc()
        emit({'kind': args.task, 'runner': runner, 'model': args.model, 'error': f'{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}'})
        sys.exit(1)
