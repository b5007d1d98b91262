// Pooling: max_pool and avg_pool windows, and global_avg_pool / global_max_pool (a map to one vector).
import * as tf from '@tensorflow/tfjs';
import { PositiveInt, Strict, StringOptions, Type, type Static } from '@xp/core';
import { windowOut } from './conv.js';
import { needsMap, showShape, type LayerKind } from './kind.js';

export const PoolSchema = Strict(
  {
    size: PositiveInt({ description: 'Window size (square).', default: 2 }),
    stride: Type.Optional(PositiveInt({ description: 'Stride; defaults to the window size.' })),
    padding: StringOptions(['valid', 'same'] as const, { description: '`valid` drops the rows and columns a window does not cover; `same` pads.', default: 'valid' }),
  },
  { description: 'A pooling window.' },
);
type PoolOptions = Static<typeof PoolSchema>;

const windowPool = (kind: 'max_pool' | 'avg_pool'): LayerKind<PoolOptions> => ({
  schema: PoolSchema,
  summary: kind === 'max_pool' ? 'max pooling over a window' : 'average pooling over a window',
  shape: (input, o) => {
    const notMap = needsMap(kind, input, 'pool before the flatten, dense or global pool');
    if (notMap) return { problem: notMap };
    const stride = o.stride ?? o.size;
    const [h, w, c] = input;
    const out = [windowOut(h, o.size, stride, o.padding), windowOut(w, o.size, stride, o.padding)];
    if (out[0] < 1 || out[1] < 1) {
      return {
        problem: `${kind}: its ${o.size}×${o.size} window does not fit the ${showShape(input)} feature map (output ${out[0]}×${out[1]}); remove this pool or one before it, use a smaller size or padding: same, or enlarge the input image`,
      };
    }
    return { out: [out[0], out[1], c], params: 0 };
  },
  build: (o, { name, trainable }) => {
    const args = { poolSize: o.size, strides: o.stride ?? o.size, padding: o.padding, name, trainable };
    return [kind === 'max_pool' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args)];
  },
});

export const maxPool = windowPool('max_pool');
export const avgPool = windowPool('avg_pool');

export const GlobalPoolSchema = Strict({}, { description: 'No options: write `{}`.' });

const globalPool = (kind: 'global_avg_pool' | 'global_max_pool'): LayerKind<Record<string, never>> => ({
  schema: GlobalPoolSchema,
  summary: kind === 'global_avg_pool' ? 'the mean of each channel over the map' : 'the maximum of each channel over the map',
  shape: (input) => {
    const notMap = needsMap(kind, input, 'it already is one vector: remove this layer');
    return notMap ? { problem: notMap } : { out: [input[2]], params: 0 };
  },
  build: (_, { name, trainable }) => [kind === 'global_avg_pool' ? tf.layers.globalAveragePooling2d({ name, trainable }) : tf.layers.globalMaxPooling2d({ name, trainable })],
});

export const globalAvgPool = globalPool('global_avg_pool');
export const globalMaxPool = globalPool('global_max_pool');
