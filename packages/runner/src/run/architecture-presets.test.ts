import '@tensorflow/tfjs-node-gpu';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadExperiment } from '@xp/core';
import { describe, expect, it } from 'vitest';
import { disposedAfterEach } from '../testing/keep-models.testing.js';
import { NO_PLUGINS } from '../plugins/load-plugins.js';
import { BUILT_IN } from '../registries/registries.js';
import { bindTask, buildModel } from './prepare.js';
import { modelOf } from '../testing/experiment.testing.js';

// The architecture presets of experiments/architectures/ (and the layer lists of the example experiments) built
// as `xp run` builds them: parameter counts and layer names.
const experiments = fileURLToPath(new URL('../../../../experiments/', import.meta.url));
const load = (file: string) => loadExperiment(path.join(experiments, file), { overrides: [], extensions: NO_PLUGINS.extensions });

const keep = disposedAfterEach();

describe('the multihead-seq preset', () => {
  it('is mnist-seq 03-multihead as layers: the same layer shapes and the same parameter count', async () => {
    const reference = keep(modelOf(await load('mnist-seq/03-multihead.yaml')));
    const preset = keep(modelOf(await load('architectures/multihead-seq.yaml')));
    expect(preset.countParams()).toBe(reference.countParams());
    expect(preset.countParams()).toBe(3_310_603);
    const shapes = (m: tf.LayersModel) => m.layers.filter((l) => l.countParams() > 0).map((l) => [l.outputShape, l.countParams()]);
    expect(shapes(preset)).toEqual(shapes(reference));
    // Kernel initialisers are taken in the same order (convs, slot dense, classifier), so the seeded start is the same net.
    const values = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
    expect(values(preset)).toEqual(values(reference));
  });
});

describe('the image presets', () => {
  it.each([
    ['lenet-5', 61_706, ['c1', 's2', 'c3', 's4', 'c5', 'flatten_0', 'f6']],
    ['vgg-small', 584_170, ['conv1_0', 'conv1_1', 'pool1', 'conv2_0', 'conv2_1', 'pool2', 'conv3_0', 'conv3_1', 'pool3', 'flatten_0', 'fc', 'dropout_0']],
    ['resnet-20', 273_466, ['stem', 'stage1_0_batch_norm_0']],
  ])('%s builds on its mnist data with %d parameters, its layers named as the YAML says', async (name, params, first) => {
    const exp = await load(`architectures/${name}.yaml`);
    const dataset = BUILT_IN.datasets[exp.config.data.type];
    const task = bindTask(exp, BUILT_IN, dataset.target!(exp.config.data)!, true);
    const model = keep(buildModel(exp, BUILT_IN, dataset.inputShape!(exp.config.data)!, task));
    expect(model.countParams()).toBe(params);
    expect(model.layers.slice(1, 1 + first.length).map((l) => l.name)).toEqual(first);
  });

  it('resnet-20 has 19 convolutions and its classifier: 20 weight layers, two of its shortcuts projected', async () => {
    const exp = await load('architectures/resnet-20.yaml');
    const model = keep(buildModel(exp, BUILT_IN, [28, 28, 1], bindTask(exp, BUILT_IN, { kind: 'class', classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] }, true)));
    const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.name);
    expect(convs.filter((n) => !n.endsWith('_projection'))).toHaveLength(19);
    expect(convs.filter((n) => n.endsWith('_projection'))).toEqual(['stage2_down_projection', 'stage3_down_projection']);
    expect(model.layers.filter((l) => l.getClassName() === 'Add')).toHaveLength(9);
  });
});

describe('the examples that extend or write layer lists', () => {
  it('mnist 04-resnet is 03-final’s recipe with the ResNet-20 preset’s model', async () => {
    const exp = await load('mnist/04-resnet.yaml');
    const final = await load('mnist/03-final.yaml');
    const preset = await load('architectures/resnet-20.yaml');
    expect(exp.config.model).toEqual(preset.config.model);
    expect(exp.config.augment).toEqual(final.config.augment);
    expect(exp.config.callbacks).toEqual(final.config.callbacks);
    expect([exp.config.name, exp.config.experiment, exp.config.training.epochs]).toEqual(['04-resnet', 'mnist', 12]);
  });

  it('mnist-seq 08-resnet is 06-final’s recipe on residual stages, one 64-feature slot per position', async () => {
    const exp = await load('mnist-seq/08-resnet.yaml');
    const final = await load('mnist-seq/06-final.yaml');
    expect(exp.config.callbacks).toEqual(final.config.callbacks);
    expect(exp.config.data).toEqual(final.config.data);
    const model = keep(modelOf(exp));
    expect(model.getLayer('slots_features').outputShape).toEqual([null, 3, 64]);
    expect(model.getLayer('digits').outputShape).toEqual([null, 3, 11]);
    expect(model.countParams()).toBe(194_619);
  });
});
