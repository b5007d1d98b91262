// Overhead of the system-metrics sampler (tracking.system_metrics): the same training epochs with and without
// it, interleaved epoch block by epoch block so that load drifting on a shared machine hits both alike, reported
// as the ratio of median epoch times (with / without). The sampler journals through a RunTracker with no
// server (offline), so this is the sampler's own cost (reading the OS, nvidia-smi where present, appending to
// the journal); sending the points is the MLflow logging measured by bench/xp-mlflow.mjs. Also reported: the
// cost of one sample, timed directly, and what it means at the default every_s of 10.
//
//   node bench/xp-bench.mjs system-metrics [--every-s 1] [--epochs 3] [--epoch-batches 20] [--rounds 3] [--model baseline]
/* global performance */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CallbackList } from '../packages/runner/dist/callbacks/callback-list.js';
import { Interruption } from '../packages/runner/dist/run/interruption.js';
import { Journal } from '../packages/runner/dist/tracking/spool/journal.js';
import { RunTracker } from '../packages/runner/dist/tracking/spool/run-tracker.js';
import { SystemMetricsSampler } from '../packages/runner/dist/tracking/system-metrics.js';
import { train } from '../packages/runner/dist/training/trainer.js';
import { createOptimizer } from '../packages/runner/dist/training/optimizer.js';
import { emit, epochClock, intArg, median, round, threadInfo } from './lib.mjs';
import { BENCH_BATCH, buildSpec } from './spec.mjs';
import { benchModel } from './xp-model.mjs';

export async function systemMetricsOverhead(args, { syntheticSource }) {
  const spec = await buildSpec();
  const name = String(args.model ?? 'baseline');
  const everyS = Number(args['every-s'] ?? 1);
  const epochs = intArg(args, 'epochs', 3) + 1;
  const epochBatches = intArg(args, 'epoch-batches', 20);
  const rounds = intArg(args, 'rounds', 3);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'xp-bench-sysmetrics-'));
  const { model, task } = await benchModel(name);
  const source = syntheticSource(spec, BENCH_BATCH, epochBatches);
  const optimizer = createOptimizer(spec.optimizer);
  const fit = (callbacks, n) => train({ model, optimizer, task, data: source, epochs: n, batchSize: BENCH_BATCH, evalBatchSize: 512, validate: false, callbacks: new CallbackList(callbacks) });
  const perMode = { off: [], on: [] };
  const ratios = [];
  let samples = 0;
  // `xp run` always trains with its Interruption callback, which yields to the event loop after each batch;
  // that turn is when the sampler's timer fires. Both modes have it.
  const interruption = new Interruption({ log: () => {} });
  try {
    await fit([], 1); // warm-up: kernels, allocator, Adam's slots
    for (let r = 0; r < rounds; r++) {
      const med = {};
      // Alternate which mode goes first, so that neither always follows the other.
      for (const mode of r % 2 ? ['on', 'off'] : ['off', 'on']) {
        const clock = epochClock();
        const cbs = [clock, interruption];
        let tracker;
        if (mode === 'on') {
          tracker = new RunTracker(Journal.create(path.join(tmp, 'spool'), `r${r}`, null));
          const sampler = new SystemMetricsSampler(tracker, everyS);
          cbs.push(sampler);
        }
        await fit(cbs, epochs);
        if (tracker) samples += tracker.journal.entries().filter((e) => e.op === 'log_batch').length;
        perMode[mode].push(...clock.epochs());
        med[mode] = median(clock.epochs());
      }
      ratios.push(med.on / med.off);
    }
    // One sample, timed directly (the OS reads, nvidia-smi when present, one journal append).
    const tracker = new RunTracker(Journal.create(path.join(tmp, 'spool'), 'direct', null));
    const sampler = new SystemMetricsSampler(tracker, everyS);
    const costs = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await sampler.sample();
      costs.push(performance.now() - t);
    }
    const sampleMs = median(costs);
    emit({
      kind: 'system-metrics', runner: 'xp', model: name, batch: BENCH_BATCH, epoch_sequences: epochBatches * BENCH_BATCH, every_s: everyS,
      epoch_s: { off: round(median(perMode.off), 3), on: round(median(perMode.on), 3) },
      ratio_on_off: round(median(ratios), 4), ratio_rounds: ratios.map((x) => round(x, 4)),
      samples_logged: samples, sample_ms: round(sampleMs, 3),
      // The sampler's cost as a share of wall time at the default interval, from the direct timing.
      overhead_pct_at_10s: round((100 * sampleMs) / 10_000, 4),
      threads: threadInfo(),
    });
  } finally {
    interruption.dispose();
    optimizer.dispose();
    source.dispose();
    model.dispose();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
