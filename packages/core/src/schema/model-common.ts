// Keys every `model:` section takes, whatever its type: where its starting weights come from and which layers
// training leaves alone. The runner acts on them (run/init-from.ts, run/freeze.ts); model types never see a need to.
import { Type, type TObject } from '@sinclair/typebox';

/** The keys added to every model type's options. */
export const ModelCommonProperties = {
  init_from: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Start from the weights of an earlier model: `runs:/<run-id>` (the run\'s logged model; `runs:/<run-id>/<path>` for another artifact folder), ' +
        '`models:/<name>@<alias>` or `models:/<name>/<version>` (the Model Registry), downloaded once into the model cache, or a path to a tfjs `model.json` (or its folder), relative to this file. Each weight is copied when the source has a weight of the same name ' +
        '(`<layer>/<weight>`) and shape; the rest keep their initialisation. What was loaded, skipped (shape mismatch) or new is printed and logged ' +
        '(artifact `init_from.json`, tag `xp.init_from`).',
    }),
  ),
  freeze: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), {
      description:
        'Layers whose weights training does not change: layer names or glob patterns (`conv_*`, `block?_*`; picomatch syntax), e.g. after `init_from`. ' +
        'Each pattern must match a layer. A frozen batch-norm layer normalises with its moving statistics (inference mode) and does not update them, as in Keras. ' +
        'The `unfreeze` callback makes them trainable again.',
    }),
  ),
};

/** `entry` with the common keys added after its own (which win on a clash, and come first in messages). */
export function withModelCommon(entry: TObject): TObject {
  const common = Object.entries(ModelCommonProperties).filter(([k]) => !Object.hasOwn(entry.properties, k));
  return { ...entry, properties: { ...entry.properties, ...Object.fromEntries(common) } } as TObject;
}

/** The common keys of a resolved `model:` section. */
export interface ModelCommonConfig {
  init_from?: string;
  freeze?: string[];
}
