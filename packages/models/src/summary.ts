import type * as tf from '@tensorflow/tfjs';

/** One row of the summary. */
export interface LayerSummary {
  name: string;
  className: string;
  outputShape: tf.Shape | tf.Shape[];
  params: number;
}

/** A model's layers and parameter counts, as data and as a Keras-like text table. */
export interface ModelSummary {
  text: string;
  params: number;
  trainableParams: number;
  layers: LayerSummary[];
}

const formatShape = (s: tf.Shape | tf.Shape[]): string =>
  Array.isArray(s[0]) ? (s as tf.Shape[]).map(formatShape).join(', ') : `[${(s as tf.Shape).map((d) => d ?? 'null').join(', ')}]`;

const size = (w: tf.LayerVariable): number => w.shape.reduce((a: number, b) => a * (b ?? 1), 1);

/**
 * Summarises `model` layer by layer, like Keras's `model.summary()`, but returned rather than printed so the
 * runner can log it as an artifact.
 */
export function modelSummary(model: tf.LayersModel): ModelSummary {
  const layers = model.layers.map((l) => ({ name: l.name, className: l.getClassName(), outputShape: l.outputShape, params: l.countParams() }));
  const params = layers.reduce((a, l) => a + l.params, 0);
  const trainableParams = model.trainableWeights.reduce((a, w) => a + size(w), 0);

  const rows = [
    ['Layer (type)', 'Output shape', 'Param #'],
    ...layers.map((l) => [`${l.name} (${l.className})`, formatShape(l.outputShape), l.params.toLocaleString('en-US')]),
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padStart(widths[2])}`;
  const rule = (ch: string) => ch.repeat(widths[0] + widths[1] + widths[2] + 4);
  const text = [
    `Model: "${model.name}"`,
    rule('─'),
    line(rows[0]),
    rule('═'),
    ...rows.slice(1).map(line),
    rule('─'),
    `Total params: ${params.toLocaleString('en-US')}`,
    `Trainable params: ${trainableParams.toLocaleString('en-US')}`,
    `Non-trainable params: ${(params - trainableParams).toLocaleString('en-US')}`,
  ].join('\n');
  return { text, params, trainableParams, layers };
}
