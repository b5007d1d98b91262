// `data: { type: mnist_sequences }`: 1–max_len MNIST digits side by side on a canvas, synthesised per run
// (train and validation from disjoint MNIST training digits, test only from MNIST test digits).
import type { DatasetType } from '../dataset-type.js';
import { loadMnist, type MnistDigits } from '../../mnist/mnist-source.js';
import { checkMnistSequences } from './checks.js';
import { createDataBundle, SEQUENCE_CLASSES, type DigitTensors } from './prepare.js';
import { BLANK } from './sequence-synth.js';
import { MnistSequencesSchema, type MnistSequencesConfig } from './schema.js';

/** What a process may have loaded before its experiment arrived (a warm sweep trial): reused by `prepare`. */
export interface PreloadedMnist {
  mnist: MnistDigits;
  digits?: DigitTensors;
}

/** The `mnist_sequences` registry entry. */
export const mnistSequences: DatasetType<MnistSequencesConfig> = {
  schema: MnistSequencesSchema,
  checks: (c) => checkMnistSequences(c),
  inputShape: (c) => [c.canvas.height, c.canvas.width, 1],
  target: (c) => ({ kind: 'sequence', classes: SEQUENCE_CLASSES, positions: c.max_len, blank: BLANK }),
  preload: (c) => loadMnist(c.source).then((mnist): PreloadedMnist => ({ mnist })),
  prepare: async (c, ctx) => {
    const pre = (await ctx.preloaded) as PreloadedMnist | undefined;
    return createDataBundle(c, ctx.augment, ctx.seed, { variants: [...ctx.variants], ...pre });
  },
};
