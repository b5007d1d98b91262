import { describe, expect, it } from 'vitest';
import type { MlflowRunInfo } from '../../mlflow/types.js';
import { compareCurvePoints, compareCurvesSpec } from './compare-curves.js';
import { compareHtml, escapeHtml } from './compare-html.js';
import { compareMarkdown } from './compare-markdown.js';
import { buildCompareTable, formatDuration, formatPercent, runLabels, tableCells } from './compare-table.js';
import { differingParams } from './differing-params.js';
import { byStep, historyKeys, isRunId, type CompareRunData } from './load-runs.js';
import { openUrl } from './open-url.js';
import { paramCells, shortHash, summariseParam } from './param-summary.js';
import { formatMetric, headlineOf, isFraction, testKey } from './run-headline.js';
import { formatTextTable } from './text-table.js';

// Two finished runs that differ in model.type and training.optimizer.lr, and a running one without val metrics.
const base = { model: { 'model.type': 'baseline-cnn', 'model.filters': '[32,64]' }, rest: { seed: '1', 'data.test.count': '1000', name: 'x' } };

function runInfo(runId: string, runName: string, startTime: number, endTime?: number, status: MlflowRunInfo['status'] = 'FINISHED'): MlflowRunInfo {
  return { runId, experimentId: '1', runName, status, startTime, endTime, artifactUri: '', lifecycleStage: 'active' };
}

const steps = (values: number[]) => values.map((value, step) => ({ step, value }));

function sampleRuns(): CompareRunData[] {
  return [
    {
      info: runInfo('a'.repeat(32), 'baseline', 1_000, 1_000 + 185_000),
      params: { ...base.model, ...base.rest, 'training.optimizer.lr': '0.001', name: 'baseline' },
      metrics: { test_exact_match: 0.9123, loss: 0.2 },
      tags: {},
      history: { loss: steps([1, 0.5, 0.2]), val_exact_match: steps([0.5, 0.93, 0.91]), val_loss: steps([1.1, 0.6, 0.4]) },
    },
    {
      info: runInfo('b'.repeat(32), 'crnn | wide', 2_000, 2_000 + 3_725_000),
      params: { ...base.model, ...base.rest, 'model.type': 'crnn', 'training.optimizer.lr': '0.01', name: 'crnn' },
      metrics: { test_exact_match: 0.95 },
      tags: { 'xp.task': 'sequence', 'xp.headline_metric': 'val_exact_match', 'xp.headline_mode': 'max' },
      history: { loss: steps([1, 0.4]), val_exact_match: steps([0.6, 0.96]), val_loss: steps([1, 0.3]) },
    },
    {
      info: runInfo('c'.repeat(32), 'baseline', 3_000, undefined, 'RUNNING'),
      params: { ...base.model, ...base.rest, 'training.optimizer.lr': '0.001', name: 'baseline' },
      metrics: {},
      tags: {},
      history: { loss: steps([1]), val_exact_match: [], val_loss: [] },
    },
  ];
}

// Runs of two tasks: a classification judged by val_accuracy (max), a regression by val_rmse (min).
function mixedRuns(): CompareRunData[] {
  const blocks = (n: number, filters: number) => JSON.stringify(Array.from({ length: n }, () => ({ type: 'conv', filters, kernel: 3, pool: 2, dropout: 0.1 })));
  const callbacks = JSON.stringify([{ type: 'early_stopping', monitor: 'headline', patience: 3 }, { type: 'reduce_lr_on_plateau' }, { type: 'csv_logger' }]);
  return [
    {
      info: runInfo('d'.repeat(32), 'iris', 1_000, 61_000),
      params: { 'model.type': 'mlp', 'model.blocks': blocks(2, 16), callbacks, name: 'iris' },
      metrics: { test_accuracy: 0.9 },
      tags: { 'xp.task': 'classification', 'xp.headline_metric': 'val_accuracy', 'xp.headline_mode': 'max' },
      history: { loss: steps([1, 0.6, 0.5]), val_accuracy: steps([0.7, 0.95, 0.9]), val_loss: steps([0.9, 0.5, 0.6]) },
    },
    {
      info: runInfo('e'.repeat(32), 'housing', 2_000, 12_000),
      params: { 'model.type': 'mlp', 'model.blocks': blocks(2, 32), callbacks: '[]', name: 'housing' },
      metrics: { test_rmse: 0.51234 },
      tags: { 'xp.task': 'regression', 'xp.headline_metric': 'val_rmse', 'xp.headline_mode': 'min' },
      history: { loss: steps([2, 1]), val_rmse: steps([0.8, 0.4567, 0.6]), val_loss: steps([0.7, 0.3]) },
    },
  ];
}

const info = { experiments: ['digits'], url: 'http://h:5000/#/compare-runs?runs=["a"]&experiments=["1"]', generatedAt: '2025-01-01T00:00:00.000Z' };

describe('differingParams', () => {
  it('keeps only differing keys, model/training/augment/callbacks first, and lists the rest as hidden', () => {
    const runs = [
      { 'model.type': 'cnn', seed: '1', 'data.jitter.x': '0', augment: '[]', callbacks: '[]', 'training.epochs': '5', same: 's', name: 'a' },
      { 'model.type': 'crnn', seed: '2', 'data.jitter.x': '2', augment: '[{"type":"invert"}]', callbacks: '[{}]', 'training.epochs': '9', same: 's', name: 'b' },
      { 'model.type': 'cnn', seed: '3', 'data.jitter.x': '0', augment: '[]', callbacks: '[]', 'training.epochs': '5', same: 's', name: 'c' },
    ];
    expect(differingParams(runs)).toEqual({ keys: ['model.type', 'training.epochs', 'augment', 'callbacks', 'data.jitter.x', 'seed'], hidden: [] });
    // seed takes 3 values and data.jitter.x 2, so seed ranks first among the rest.
    expect(differingParams(runs, { limit: 5 })).toEqual({ keys: ['model.type', 'training.epochs', 'augment', 'callbacks', 'seed'], hidden: ['data.jitter.x'] });
    expect(differingParams([runs[0]])).toEqual({ keys: [], hidden: [] });
    expect(differingParams([{ 'model.dropout': '0.1' }, {}]).keys).toEqual(['model.dropout']); // missing in one run = differs
  });
});

describe('compare table', () => {
  it('builds one row per run with the best headline, its test value, epochs and wall time (untagged runs: val_exact_match)', () => {
    const t = buildCompareTable(sampleRuns(), { now: 63_000 });
    expect(t.paramKeys).toEqual(['model.type', 'training.optimizer.lr']);
    expect(t.rows.map((r) => r.headline)).toEqual(Array(3).fill({ metric: 'val_exact_match', mode: 'max' }));
    expect(t.rows.map((r) => [r.name, r.bestHeadline, r.testHeadline, r.epochs, r.wallTimeMs, r.status])).toEqual([
      ['baseline', 0.93, 0.9123, 3, 185_000, 'FINISHED'],
      ['crnn | wide', 0.96, 0.95, 2, 3_725_000, 'FINISHED'],
      ['baseline', null, null, 1, 60_000, 'RUNNING'],
    ]);
    expect(buildCompareTable(sampleRuns(), { maxParams: 1 }).hiddenParams).toEqual(['training.optimizer.lr']);
  });

  it('formats cells and disambiguates repeated run names', () => {
    expect([formatPercent(0.91234), formatPercent(null)]).toEqual(['91.23%', '–']);
    expect([formatDuration(42_400), formatDuration(185_000), formatDuration(3_725_000), formatDuration(null)]).toEqual(['42s', '3m 05s', '1h 02m', '–']);
    expect(runLabels(sampleRuns().map((r) => ({ name: r.info.runName, runId: r.info.runId })))).toEqual(['baseline (aaaaaaa)', 'crnn | wide', 'baseline (ccccccc)']);
    const { header, rows } = tableCells(buildCompareTable(sampleRuns(), { now: 63_000 }));
    expect(header).toEqual(['run', 'best val_exact_match', 'test exact_match', 'epochs', 'wall time', 'model.type', 'training.optimizer.lr', 'status']);
    expect(rows[0]).toEqual(['baseline (aaaaaaa)', '93.00%', '91.23%', '3', '3m 05s', 'baseline-cnn', '0.001', 'FINISHED']);
  });

  it('judges each run by its own headline: best by its mode, test_ + the name without val_, per-cell names when they differ', () => {
    const t = buildCompareTable(mixedRuns());
    expect(t.rows.map((r) => [r.headline, r.bestHeadline, r.testHeadline])).toEqual([
      [{ metric: 'val_accuracy', mode: 'max' }, 0.95, 0.9],
      [{ metric: 'val_rmse', mode: 'min' }, 0.4567, 0.51234],
    ]);
    const { header, rows, columns } = tableCells(t);
    // Results right after the run name, then epochs and wall time, then the params, then the status.
    expect(header).toEqual(['run', 'best headline', 'test headline', 'epochs', 'wall time', 'model.blocks', 'callbacks', 'status']);
    expect(columns.map((c) => c.kind)).toEqual(['run', 'result', 'result', 'result', 'result', 'param', 'param', 'status']);
    const hash = (filters: number) => shortHash(mixedRuns()[filters === 16 ? 0 : 1].params['model.blocks']);
    expect(rows).toEqual([
      ['iris', 'val_accuracy=95.00%', 'test_accuracy=90.00%', '3', '1m 00s', `[2 blocks: conv, conv] ${hash(16)}`, '[3 callbacks: early_stopping, …]', 'FINISHED'],
      ['housing', 'val_rmse=0.4567', 'test_rmse=0.5123', '2', '10s', `[2 blocks: conv, conv] ${hash(32)}`, '[]', 'FINISHED'],
    ]);
    // One task: its metric heads the columns, an error prints as a number.
    const housing = tableCells(buildCompareTable([mixedRuns()[1], { ...mixedRuns()[1], info: runInfo('f'.repeat(32), 'housing-2', 3_000, 4_000) }]));
    expect(housing.header.slice(1, 3)).toEqual(['best val_rmse', 'test rmse']);
    expect(housing.rows[0].slice(1, 3)).toEqual(['0.4567', '0.5123']);
  });

  it('reads headlines from tags, names the test metric and formats fractions as percentages, errors as numbers', () => {
    expect(headlineOf({})).toEqual({ metric: 'val_exact_match', mode: 'max' });
    expect(headlineOf({ 'xp.headline_metric': 'rmse', 'xp.headline_mode': 'min' })).toEqual({ metric: 'rmse', mode: 'min' });
    expect(headlineOf({ 'xp.headline_metric': 'val_mae' })).toEqual({ metric: 'val_mae', mode: 'min' }); // no mode tag: an error is minimised
    expect([testKey({ metric: 'val_accuracy', mode: 'max' }), testKey({ metric: 'rmse', mode: 'min' })]).toEqual(['test_accuracy', 'test_rmse']);
    expect(['val_accuracy', 'test_exact_match', 'f1', 'val_r2', 'val_rmse', 'mae', 'val_loss'].map(isFraction)).toEqual([true, true, true, true, false, false, false]);
    expect([formatMetric('val_f1', 0.8765), formatMetric('val_rmse', 12.3456), formatMetric('mae', null)]).toEqual(['87.65%', '12.35', '–']);
    expect(historyKeys({ tags: { 'xp.headline_metric': 'val_rmse' } })).toEqual(['loss', 'val_loss', 'val_rmse']);
    expect(historyKeys({ tags: {} })).toEqual(['loss', 'val_loss', 'val_exact_match']);
  });

  it('summarises long param values so the table fits a screen', () => {
    const cbs = JSON.stringify([{ type: 'early_stopping' }, { type: 'reduce_lr_on_plateau' }, { type: 'csv_logger' }]);
    expect(summariseParam('callbacks', cbs)).toBe('[3 callbacks: early_stopping, …]');
    expect(summariseParam('callbacks', cbs, 64)).toBe('[3 callbacks: early_stopping, reduce_lr_on_plateau, csv_logger]');
    expect(summariseParam('model.blocks', JSON.stringify([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12], [13]]))).toBe('[5 blocks]');
    expect(summariseParam('model.blocks', JSON.stringify([{ filters: 32, kernel: 3, pool: 2, dropout: 0.25 }]))).toBe('[1 block]');
    expect(summariseParam('model.head', JSON.stringify({ units: 128, activation: 'relu', dropout: 0.5 }))).toBe('{units, activation, dropout}');
    expect(summariseParam('model.head', JSON.stringify({ units: 128, activation: 'relu', dropout: 0.5, norm: 'batch' }))).toBe('{4 keys}');
    expect(summariseParam('note', 'a'.repeat(40))).toBe(`${'a'.repeat(31)}…`);
    expect(summariseParam('model.type', 'crnn')).toBe('crnn');
    // Different values that summarise alike get a short hash; equal ones and short ones do not.
    const long = (n: number) => JSON.stringify([{ type: 'conv', filters: n, kernel: 3, dropout: 0.1 }]);
    expect(paramCells('model.blocks', [long(1), long(2), long(1), undefined, '[]'], '–')).toEqual([
      `[1 block: conv] ${shortHash(long(1))}`, `[1 block: conv] ${shortHash(long(2))}`, `[1 block: conv] ${shortHash(long(1))}`, '–', '[]',
    ]);
  });

  it('prints aligned columns, numbers right-aligned', () => {
    const text = formatTextTable(['run', 'test EM'], [['a', '9.50%'], ['long-name', '91.23%']]);
    expect(text).toBe('run        test EM\n---------  -------\na            9.50%\nlong-name   91.23%\n');
  });
});

describe('compare documents', () => {
  it('writes a Markdown table with escaped cells, the hidden-params note and the MLflow link', () => {
    const md = compareMarkdown(buildCompareTable(sampleRuns(), { now: 63_000, maxParams: 1 }), info);
    expect(md).toContain('| run | best val_exact_match | test exact_match | epochs | wall time | model.type | status |');
    expect(md).toContain('| --- | ---: | ---: | ---: | ---: | --- | --- |');
    expect(md).toContain('| crnn \\| wide | 96.00% | 95.00% | 2 | 1h 02m | crnn | FINISHED |');
    expect(md).toContain('_+1 more differing param not shown: training.optimizer.lr_');
    expect(md).toContain('[Compare in the MLflow UI](http://h:5000/#/compare-runs?runs=["a"]&experiments=["1"])');
  });

  it('writes self-contained HTML: escaped table, inline SVG, no scripts or external resources', () => {
    const html = compareHtml(buildCompareTable(sampleRuns()), { ...info, experiments: ['<x>'] }, '<svg id="c"></svg>');
    expect(html).toContain('<figure><svg id="c"></svg></figure>');
    expect(html).toContain('Experiments: &lt;x&gt;');
    expect(html).toContain('<td title="bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb">crnn | wide</td><td class="num">96.00%</td><td class="num">95.00%</td><td class="num">2</td>');
    expect(html).toContain('<th>best val_exact_match</th><th>test exact_match</th>');
    // A summarised param keeps its full value in the tooltip.
    const mixed = compareHtml(buildCompareTable(mixedRuns()), info, null);
    expect(mixed).toContain(`<td title="${escapeHtml(mixedRuns()[0].params.callbacks)}">[3 callbacks: early_stopping, …]</td>`);
    expect(mixed).toContain('<td class="num">val_rmse=0.4567</td>');
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(compareHtml(buildCompareTable(sampleRuns()), info, null)).toContain('no curves to draw');
    expect(escapeHtml(`a&"'`)).toBe('a&amp;&quot;&#39;');
  });

  it('overlays val curves of every run with 1-based epochs, or none when nothing was logged', () => {
    const runs = sampleRuns();
    const rows = buildCompareTable(runs).rows;
    const points = compareCurvePoints(runs, rows);
    expect(points.filter((p) => p.metric === 'val_exact_match').map((p) => [p.run, p.epoch, p.value])).toEqual([
      ['baseline (aaaaaaa)', 1, 0.5], ['baseline (aaaaaaa)', 2, 0.93], ['baseline (aaaaaaa)', 3, 0.91], ['crnn | wide', 1, 0.6], ['crnn | wide', 2, 0.96],
    ]);
    expect(compareCurvesSpec([runs[2]], [rows[2]])).toBeNull();
  });

  it('plots each run\'s headline in its own metric\'s panel, beside val_loss', () => {
    const runs = mixedRuns();
    const rows = buildCompareTable(runs).rows;
    const points = compareCurvePoints(runs, rows);
    expect([...new Set(points.map((p) => `${p.run}:${p.metric}`))]).toEqual(['iris:val_accuracy', 'iris:val_loss', 'housing:val_rmse', 'housing:val_loss']);
    const spec = compareCurvesSpec(runs, rows) as { hconcat: Array<{ title: string; encoding: { y: { axis: { format: string } } } }> };
    expect(spec.hconcat.map((p) => [p.title, p.encoding.y.axis.format])).toEqual([['val_accuracy', '.2~%'], ['val_rmse', '~g'], ['val_loss', '~g']]);
  });
});

describe('run inputs', () => {
  it('tells run ids from experiment names and keeps the latest value of a re-logged step', () => {
    expect([isRunId('0123456789abcdef0123456789ABCDEF'), isRunId('mnist-seq'), isRunId('0123')]).toEqual([true, false, false]);
    expect(byStep([{ step: 1, value: 5, timestamp: 2 }, { step: 0, value: 1, timestamp: 1 }, { step: 1, value: 4, timestamp: 9 }])).toEqual([
      { step: 0, value: 1 }, { step: 1, value: 4 },
    ]);
  });
});

describe('openUrl', () => {
  it('resolves false, never throws, when the opener is missing', async () => {
    expect(await openUrl('http://example.invalid', 'xp-no-such-opener')).toBe(false);
    expect(await openUrl('http://example.invalid', 'true')).toBe(true);
  });
});
