// Turns the measurement records of one bench run into Markdown tables (printed, and written to bench/out/).
// A record with `error` becomes "n/a" in its cell and its reason is listed under the tables, so a measurement
// that cannot be made here says why instead of leaving a number out.

import { median } from './lib.mjs';

const RUNNERS = [
  ['xp', 'xp (tfjs-node, TF 2.21)'],
  ['keras', 'Keras fit'],
  ['keras-jit', 'Keras fit, jit_compile'],
  ['torch', 'PyTorch'],
  ['tfjs-cpu', 'tfjs pure-JS cpu'],
  ['xp-bf16', 'xp mixed_bfloat16'],
  ['keras-bf16', 'Keras fit mixed_bfloat16'],
];
/** [denominator, label, numerator]: each runner is compared with the xp of its precision. */
const RATIOS = [['keras', 'xp/Keras', 'xp'], ['keras-jit', 'xp/Keras jit', 'xp'], ['torch', 'xp/PyTorch', 'xp'], ['keras-bf16', 'xp-bf16/Keras-bf16', 'xp-bf16']];

const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '—');
const row = (cells) => `| ${cells.join(' | ')} |`;
const table = (head, rows) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

/** Builds every table from the records; `notes` collects the reasons of failed measurements. */
export function renderReport(records, meta) {
  const notes = [];
  const failed = (r) => {
    if (!r) return 'not run';
    if (!r.error) return null;
    notes.push(`${r.runner ?? ''} ${r.kind}${r.model ? ` (${r.model})` : ''}: ${r.error}`);
    return `n/a [${notes.length}]`;
  };
  const find = (pred) => records.find(pred);
  const parts = [
    `# xp benchmark${meta.quick ? ' — QUICK SMOKE RUN (tiny slices: not a result)' : ''}`,
    '',
    `${meta.started} · ${meta.cpus} cores · load average ${meta.loadStart.join(' / ')} at start, ${meta.loadEnd.join(' / ')} at end` +
      (meta.loadStart[0] > 0.5 ? ' — **the machine was busy: numbers are not comparable to an idle run**' : ''),
    `Threads: ${meta.threadsLine}`,
    `Runtimes: ${runtimes(records)}`,
  ];

  const throughput = throughputSummary(records);
  if (throughput.size) {
    const rows = [];
    const roundLines = [];
    for (const model of ['baseline', 'final']) {
      const by = throughput.get(model);
      if (!by) continue;
      const params = [...new Set(Object.values(by).filter((r) => r && !r.error).map((r) => r.params))];
      const paramCell = params.length === 1 ? fmt(params[0]) : `MISMATCH ${params.map((p) => fmt(p)).join(' ≠ ')}`;
      const cell = (k) => failed(by[k]) ?? (k === 'tfjs-cpu' || by[k].batch !== meta.batch ? `${fmt(by[k].seq_per_s, 2)} (batch ${by[k].batch})` : fmt(by[k].seq_per_s, 0));
      const ratio = (k) => (Number.isFinite(by[k]?.ratio) ? `${fmt(by[k].ratio, 2)}×` : '—');
      rows.push([`${meta.modelNames[model]} (${model})`, paramCell, ...RUNNERS.map(([k]) => cell(k)), ...RATIOS.map(([k]) => ratio(k))]);
      for (const [k, name] of RATIOS) {
        if (by[k]?.roundRatios?.length > 1) roundLines.push(`- ${model}, ${name}: ${by[k].roundRatios.map((x) => `${fmt(x, 2)}×`).join(', ')} (median ${fmt(by[k].ratio, 2)}×)`);
      }
    }
    const rounds = meta.rounds > 1
      ? `median of ${meta.rounds} interleaved rounds (each round runs xp, Keras fit, PyTorch, and xp and Keras under mixed_bfloat16 one after another; a ratio is the median of the per-round ratios; XLA and pure-JS once)`
      : 'one round';
    parts.push('', `## 1. Training throughput, sequences/s (batch ${meta.batch}, median of timed slices after warm-up, ${rounds}; synthetic batch, no input pipeline)`, '',
      table(['model', 'parameters', ...RUNNERS.map(([, n]) => n), ...RATIOS.map(([, n]) => n)], rows));
    if (roundLines.length) parts.push('', 'Ratios per round:', '', ...roundLines);
  }

  const pipe = find((r) => r.kind === 'pipeline');
  if (pipe) {
    const train = throughput.get('final')?.xp?.error ? undefined : throughput.get('final')?.xp;
    const why = failed(pipe);
    const ratio = !why && train ? pipe.seq_per_s / train.seq_per_s : NaN;
    parts.push('', '## 2. Input pipeline vs training (final model)', '',
      table(['pipeline alone, seq/s', 'augmentation', 'train sequences', 'xp training, seq/s', 'pipeline / training', 'target ≥ 5×'], [[
        why ?? fmt(pipe.seq_per_s), pipe.augment ?? '—', fmt(pipe.train_count), train ? fmt(train.seq_per_s) : '—',
        Number.isFinite(ratio) ? `${fmt(ratio, 1)}×` : '—', Number.isFinite(ratio) ? (ratio >= 5 ? 'met' : 'NOT met') : '—',
      ]]));
  }

  const ml = find((r) => r.kind === 'mlflow');
  if (ml) {
    const why = failed(ml);
    const modes = why ? [] : Object.entries(ml.modes);
    const size = why ? '' : `, epochs of ${fmt(ml.epoch_sequences)} sequences`;
    parts.push('', `## 3. MLflow logging overhead (final model${size}, real local server)`, '',
      why ? `${why}: see the note below` : table(['tracking', 'epoch wall time, s', 'overhead (median of rounds)', 'per round', 'epochs timed', 'wait for queue at train end, ms'],
        modes.map(([k, v]) => [k, fmt(v.epoch_s, 3), `${fmt(v.overhead_pct, 1)} %`, (v.overhead_pct_rounds ?? []).map((x) => `${fmt(x, 1)} %`).join(', '),
          fmt(v.samples), fmt(v.flush_ms, 1)])));
    if (!why) {
      parts.push('', `Median request time: log-batch ${fmt(ml.request_ms.logBatch, 1)} ms, artifact upload ${fmt(ml.request_ms.logArtifact, 1)} ms ` +
        `(sent in the background, so they span training steps)${Number.isFinite(ml.retries) ? `, ${fmt(ml.retries)} retried` : ''}; ` +
        `server start ${fmt(ml.server_start_s, 1)} s; the run-end history plots (what \`xp run\` uploads once) ${fmt(ml.run_end_plots_ms)} ms` +
        `${oneOffShare(ml, throughput.get('final')?.xp)}.`);
    }
  }

  const inf = find((r) => r.kind === 'inference');
  if (inf) {
    const why = failed(inf);
    parts.push('', '## 4. Inference, final model (tfjs model.predict, native backend)', '',
      table(['latency batch 1, median ms', 'p90 ms', 'throughput batch 256, seq/s'], [why ? [why, '', ''] : [
        fmt(inf.latency_b1_ms.median, 2), fmt(inf.latency_b1_ms.p90, 2), fmt(inf.throughput_b256_seq_per_s)]]));
  }

  // Throughput repeats per round; the first round's processes stand for all.
  const mem = records.filter((r) => !r.error && (r.round ?? 1) === 1 && ['throughput', 'scaling', 'inference', 'mlflow', 'pipeline'].includes(r.kind));
  if (mem.length) {
    parts.push('', '## 5. Peak RSS (each measurement in its own process) and live tensors (tfjs only)', '',
      table(['measurement', 'peak RSS, MB', 'live tensors: before training → after the last epoch → after disposing the optimizer'], mem.map((r) => [
        `${r.kind} ${r.runner}${r.model ? ` ${r.model}` : ''}${r.kind === 'scaling' ? ` b${r.batch} n${r.train_count}` : ''}`, fmt(r.peak_rss_mb),
        tensorCell(r.tensors),
      ])));
  }

  const scal = records.filter((r) => r.kind === 'scaling');
  if (scal.length) {
    parts.push('', '## Scaling: xp end to end (real pipeline with augmentation, final model)', '',
      table(['batch', 'train sequences', 'seq/s', 'peak RSS, MB'], scal.map((r) => [fmt(r.batch), fmt(r.train_count), failed(r) ?? fmt(r.seq_per_s), fmt(r.peak_rss_mb)])));
  }

  const tta = records.filter((r) => r.kind === 'tta');
  if (tta.length) {
    parts.push('', `## 6. Time to accuracy (${meta.recipe}, until val exact match ≥ ${fmt(100 * (meta.target ?? NaN), 1)} %)`, '',
      table(['runner', 'reached', 'wall time, s', 'their time / xp\'s (same precision)', 'epochs', 's per epoch (incl. validation)', 'best val exact match', 'train / val sequences', 'stopped by'], tta.map((r) => {
        const why = failed(r);
        const xp = tta.find((t) => t.runner === (r.runner.endsWith('-bf16') ? 'xp-bf16' : 'xp') && t.reached);
        const ratio = xp && r.reached ? `${fmt(r.seconds / xp.seconds, 2)}×` : '—';
        const perEpoch = r.reached ? fmt(r.seconds / r.epochs, 1) : '—';
        return why ? [r.runner, why, '', '', '', '', '', '', ''] : [r.runner, r.reached ? 'yes' : 'no', fmt(r.seconds, 1), ratio, fmt(r.epochs), perEpoch,
          fmt(100 * r.best_val_exact_match, 2) + ' %', `${fmt(r.train_count)} / ${fmt(r.val_count)}`, r.stop_reason];
      })));
  }

  if (notes.length) parts.push('', '## Why some cells have no number', '', ...notes.map((n, i) => `${i + 1}. ${n}`));
  return `${parts.join('\n')}\n`;
}

/**
 * Per model and runner: the median seq/s over rounds (or the failure), and for each ratio runner the median of
 * the per-round xp/runner ratios, which pairs measurements that ran minutes apart rather than across the run.
 */
export function throughputSummary(records) {
  const out = new Map();
  for (const model of ['baseline', 'final']) {
    const mine = records.filter((r) => r.kind === 'throughput' && r.model === model);
    if (!mine.length) continue;
    const by = {};
    for (const [k] of RUNNERS) {
      const rs = mine.filter((r) => r.runner === k);
      if (!rs.length) continue;
      const ok = rs.filter((r) => !r.error);
      by[k] = ok.length ? { ...ok[0], seq_per_s: median(ok.map((r) => r.seq_per_s)), rounds: ok.map((r) => r.seq_per_s) } : rs[0];
    }
    for (const [k, , num] of RATIOS) {
      if (!by[k] || by[k].error) continue;
      const xpByRound = new Map(mine.filter((r) => r.runner === num && !r.error).map((r) => [r.round ?? 1, r.seq_per_s]));
      const roundRatios = mine.filter((r) => r.runner === k && !r.error && xpByRound.has(r.round ?? 1)).map((r) => xpByRound.get(r.round ?? 1) / r.seq_per_s);
      by[k].roundRatios = roundRatios;
      by[k].ratio = median(roundRatios);
    }
    out.set(model, by);
  }
  return out;
}

/** The run-end plots as a share of one epoch of the real recipe (50 000 sequences) at xp's measured speed. */
function oneOffShare(ml, xpFinal) {
  if (!xpFinal || xpFinal.error || !Number.isFinite(ml.run_end_plots_ms)) return '';
  const epochMs = (1000 * 50_000) / xpFinal.seq_per_s;
  return ` = ${fmt((100 * ml.run_end_plots_ms) / epochMs, 2)} % of one 50 000-sequence epoch of the final model at xp's throughput above (once per run, not per epoch)`;
}

function runtimes(records) {
  const xp = records.find((r) => r.runner?.startsWith('xp') && r.backend)?.backend;
  const keras = records.find((r) => r.versions?.keras)?.versions;
  const torch = records.find((r) => r.versions?.torch)?.versions;
  return [
    xp && `xp: ${xp}`, keras && `Keras ${keras.keras} on TensorFlow ${keras.tensorflow}`, torch && `PyTorch ${torch.torch}`,
  ].filter(Boolean).join('; ') || 'n/a';
}

function tensorCell(t) {
  if (!t) return 'n/a (not tfjs)';
  if ('before_training' in t) return `${t.before_training} → ${t.after_epoch} → ${t.after_optimizer_dispose} (left behind: ${t.leaked})`;
  if ('after_batches' in t) return `${t.before} → ${t.after_batches} (digit tensors) → ${t.after_bundle_dispose} after disposing the bundle`;
  return `${t.before} → ${t.after}`;
}
