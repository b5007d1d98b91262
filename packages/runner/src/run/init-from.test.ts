// model.init_from and model.freeze on real models: the matching rule (name, shape, dtype), the report, reading a
// model.json from a path relative to the experiment, and config errors for patterns that name no layer.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import '@tensorflow/tfjs-node-gpu';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, displayPath } from '@xp/core';
import { afterAll, describe, expect, it } from 'vitest';
import { modelOf, parseTestExperiment } from '../testing/experiment.testing.js';
import { disposeSource, formatReport, matchWeights, readInitSource, startModel } from './init-from.js';
import { saveModel } from './model-artifact.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xp-init-from-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const spec = (name: string, shape: number[], dtype = 'float32') => ({ name, shape, dtype });

describe('matchWeights', () => {
  it('loads same name and shape, skips another shape or dtype, calls the rest new or unused', () => {
    const r = matchWeights(
      'runs:/x',
      [spec('conv_0/kernel', [3, 3, 1, 8]), spec('conv_0/bias', [8]), spec('head/kernel', [16, 10]), spec('head/bias', [10], 'int32'), spec('extra/kernel', [2, 2])],
      [spec('conv_0/kernel', [3, 3, 1, 8]), spec('conv_0/bias', [8]), spec('head/kernel', [16, 11]), spec('head/bias', [10]), spec('old/kernel', [1])],
    );
    expect(r.loaded).toEqual(['conv_0/kernel', 'conv_0/bias']);
    expect(r.skipped).toEqual([
      { name: 'head/kernel', shape: [16, 10], sourceShape: [16, 11] },
      { name: 'head/bias', shape: [10], sourceShape: [10] },
    ]);
    expect(r.new).toEqual(['extra/kernel']);
    expect(r.unused).toEqual(['old/kernel']);
    expect(formatReport(r)).toEqual([
      'init_from runs:/x: loaded 2 of 5 weights (layers conv_0)',
      '  skipped (shape differs; initialised): head/kernel [16,10] vs [16,11] in the source, head/bias [10] vs [10] in the source',
      '  new (not in the source; initialised): layers extra',
      '  unused from the source: layers old',
    ]);
  });
});

const DATA = 'data: { type: mnist_sequences, min_len: 1, max_len: 3 }';

describe('init_from a model.json path, and freeze', () => {
  it('copies every weight of a same-architecture source; a wider dense layer is skipped with the head kernel that reads it, and reported', async () => {
    const source = modelOf(await parseTestExperiment(`name: s\nseed: 1\n${DATA}\nmodel: { type: baseline-cnn, filters: [4, 4], dense_units: 8 }\n`));
    await saveModel(source, path.join(tmp, 'src'));
    const file = path.join(tmp, 'fine.yaml');
    const lines: string[] = [];
    for (const [units, expectSkipped] of [
      [8, []],
      [16, ['dense/kernel', 'dense/bias', 'digit_logits/kernel']],
    ] as const) {
      const exp = await parseTestExperiment(`name: f\nseed: 2\n${DATA}\nmodel: { type: baseline-cnn, filters: [4, 4], dense_units: ${units}, init_from: src/model.json, freeze: [conv_*] }\n`, file);
      const init = await readInitSource(exp, () => undefined);
      const model = modelOf(exp);
      const before = model.getLayer('dense').getWeights()[1].dataSync().slice();
      const report = startModel(exp, model, init, (m) => lines.push(m))!;
      expect(report.skipped.map((s) => s.name)).toEqual(expectSkipped);
      if (units === 8) {
        expect(report.new).toEqual([]);
        expect(report.loaded.length).toBe(source.weights.length);
        for (const w of source.weights) {
          const mine = model.weights.find((x) => x.originalName === w.originalName)!;
          expect(Array.from(mine.read().dataSync())).toEqual(Array.from(w.read().dataSync()));
        }
      } else {
        expect(report.loaded).toEqual(expect.arrayContaining(['conv_0/kernel', 'conv_1/bias']));
        expect(Array.from(model.getLayer('dense').getWeights()[1].dataSync())).toEqual(Array.from(before));
      }
      expect(model.getLayer('conv_0').trainable).toBe(false);
      expect(model.getLayer('conv_1').trainable).toBe(false);
      expect(model.getLayer('dense').trainable).toBe(true);
      disposeSource(init);
      model.dispose();
    }
    expect(lines).toContain('model.freeze: layers conv_0, conv_1 are not trained');
    expect(lines.find((l) => l.startsWith('  skipped'))).toMatch(/^ {2}skipped \(shape differs; initialised\): dense\/kernel \[\d+,16\] vs \[\d+,8\] in the source, dense\/bias \[16\] vs \[8\]/);
    source.dispose();
  });

  it('a folder works as well as its model.json; a missing path is a config error naming init_from', async () => {
    const file = path.join(tmp, 'x.yaml');
    const ok = await parseTestExperiment(`name: f\n${DATA}\nmodel: { type: baseline-cnn, init_from: src }\n`, file);
    const s = await readInitSource(ok, () => undefined);
    expect(Object.keys(s!.weights)).toContain('conv_0/kernel');
    disposeSource(s);
    const bad = await parseTestExperiment(`name: f\n${DATA}\nmodel: { type: baseline-cnn, init_from: nowhere/model.json }\n`, file);
    const e = await readInitSource(bad, () => undefined).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).issues[0].message).toBe(
      `model.init_from nowhere/model.json: no such file or folder (${displayPath(path.join(tmp, 'nowhere/model.json'))}); give runs:/<run-id>, models:/<name>@<alias>, or the path of a model.json relative to this file`,
    );
  });

  it('no weight in common is a config error (another architecture)', async () => {
    const mlp = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'other' })] });
    await saveModel(mlp, path.join(tmp, 'other'));
    mlp.dispose();
    const exp = await parseTestExperiment(`name: f\n${DATA}\nmodel: { type: baseline-cnn, filters: [4], init_from: other }\n`, path.join(tmp, 'y.yaml'));
    const s = await readInitSource(exp, () => undefined);
    const model = modelOf(exp);
    expect(() => startModel(exp, model, s, () => undefined)).toThrow(/model.init_from other: no weight of the source fits this model by name and shape \(the source has layers other; this model conv_0, dense, /);
    disposeSource(s);
    model.dispose();
  });

  it('a freeze or unfreeze pattern that matches no layer is a config error at that pattern', async () => {
    const exp = await parseTestExperiment(
      `name: f\n${DATA}\nmodel: { type: baseline-cnn, filters: [4], freeze: [conv_0, cnv_*] }\ntraining: { epochs: 3 }\ncallbacks: [{ type: unfreeze, at_epoch: 1, layers: [dense, conv_9] }]\n`,
    );
    const model = modelOf(exp);
    const e = (() => {
      try {
        startModel(exp, model, undefined, () => undefined);
      } catch (x) {
        return x as ConfigError;
      }
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect(e!.issues.map((i) => [i.path, i.line, i.message.split(';')[0]])).toEqual([
      ['model.freeze[1]', 3, "model.freeze[1] 'cnv_*' matches no layer of the model"],
      ['callbacks[0].layers[1]', 5, "callbacks[0].layers[1] 'conv_9' (unfreeze) matches no layer of the model"],
    ]);
    expect(e!.issues[0].message).toMatch(/its layers are image, conv_0, pool_0, flatten, dense, /);
    model.dispose();
  });
});
