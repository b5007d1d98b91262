import { describe, expect, it } from 'vitest';
import type { MlflowRunInfo } from '../../mlflow/types.js';
import { compareCurvePoints, compareCurvesSpec } from './compare-curves.js';
import { compareHtml, escapeHtml } from './compare-html.js';
import { compareMarkdown } from './compare-markdown.js';
import { buildCompareTable, formatDuration, formatPercent, runLabels, tableCells } from './compare-table.js';
import { differingParams } from './differing-params.js';
import { byStep, isRunId, type CompareRunData } from './load-runs.js';
import { openUrl } from './open-url.js';
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
      history: { loss: steps([1, 0.5, 0.2]), val_exact_match: steps([0.5, 0.93, 0.91]), val_loss: steps([1.1, 0.6, 0.4]) },
    },
    {
      info: runInfo('b'.repeat(32), 'crnn | wide', 2_000, 2_000 + 3_725_000),
      params: { ...base.model, ...base.rest, 'model.type': 'crnn', 'training.optimizer.lr': '0.01', name: 'crnn' },
      metrics: { test_exact_match: 0.95 },
      history: { loss: steps([1, 0.4]), val_exact_match: steps([0.6, 0.96]), val_loss: steps([1, 0.3]) },
    },
    {
      info: runInfo('c'.repeat(32), 'baseline', 3_000, undefined, 'RUNNING'),
      params: { ...base.model, ...base.rest, 'training.optimizer.lr': '0.001', name: 'baseline' },
      metrics: {},
      history: { loss: steps([1]), val_exact_match: [], val_loss: [] },
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
  it('builds one row per run with best val EM, test EM, epochs and wall time', () => {
    const t = buildCompareTable(sampleRuns(), { now: 63_000 });
    expect(t.paramKeys).toEqual(['model.type', 'training.optimizer.lr']);
    expect(t.rows.map((r) => [r.name, r.bestValExactMatch, r.testExactMatch, r.epochs, r.wallTimeMs, r.status])).toEqual([
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
    expect(header).toEqual(['run', 'model.type', 'training.optimizer.lr', 'best val EM', 'test EM', 'epochs', 'wall time', 'status']);
    expect(rows[0]).toEqual(['baseline (aaaaaaa)', 'baseline-cnn', '0.001', '93.00%', '91.23%', '3', '3m 05s', 'FINISHED']);
  });

  it('prints aligned columns, numbers right-aligned', () => {
    const text = formatTextTable(['run', 'test EM'], [['a', '9.50%'], ['long-name', '91.23%']]);
    expect(text).toBe('run        test EM\n---------  -------\na            9.50%\nlong-name   91.23%\n');
  });
});

describe('compare documents', () => {
  it('writes a Markdown table with escaped cells, the hidden-params note and the MLflow link', () => {
    const md = compareMarkdown(buildCompareTable(sampleRuns(), { now: 63_000, maxParams: 1 }), info);
    expect(md).toContain('| run | model.type | best val EM | test EM | epochs | wall time | status |');
    expect(md).toContain('| --- | --- | ---: | ---: | ---: | ---: | --- |');
    expect(md).toContain('| crnn \\| wide | crnn | 96.00% | 95.00% | 2 | 1h 02m | FINISHED |');
    expect(md).toContain('_+1 more differing param not shown: training.optimizer.lr_');
    expect(md).toContain('[Compare in the MLflow UI](http://h:5000/#/compare-runs?runs=["a"]&experiments=["1"])');
  });

  it('writes self-contained HTML: escaped table, inline SVG, no scripts or external resources', () => {
    const html = compareHtml(buildCompareTable(sampleRuns()), { ...info, experiments: ['<x>'] }, '<svg id="c"></svg>');
    expect(html).toContain('<figure><svg id="c"></svg></figure>');
    expect(html).toContain('Experiments: &lt;x&gt;');
    expect(html).toContain('<td title="bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb">crnn | wide</td>');
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(compareHtml(buildCompareTable(sampleRuns()), info, null)).toContain('no curves to draw');
    expect(escapeHtml(`a&"'`)).toBe('a&amp;&quot;&#39;');
  });

  it('overlays val curves of every run with 1-based epochs, or none when nothing was logged', () => {
    const runs = sampleRuns();
    const rows = buildCompareTable(runs).rows;
    const points = compareCurvePoints(runs, rows);
    expect(points.filter((p) => p.metric === 'val exact match').map((p) => [p.run, p.epoch, p.value])).toEqual([
      ['baseline (aaaaaaa)', 1, 0.5], ['baseline (aaaaaaa)', 2, 0.93], ['baseline (aaaaaaa)', 3, 0.91], ['crnn | wide', 1, 0.6], ['crnn | wide', 2, 0.96],
    ]);
    expect(compareCurvesSpec([runs[2]], [rows[2]])).toBeNull();
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
