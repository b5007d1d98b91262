// Seeds of the native dropout masks. TensorFlow's StatelessRandomUniform draws the same numbers for the same seed
// pair and shape, so with a run seed each mask depends only on (run seed, layer call, training step): two runs of
// one config and seed train the same model, and a resumed run draws the masks the uninterrupted run would have.
import { createRng } from '@xp/core';

/** The training step that the next forward pass is for; the training loop sets it before each batch. */
export interface StepClock {
  step: number;
}

/** A dropout call's seed pair for the current step. */
export type SeedPair = () => [number, number];

const random31 = () => Math.floor(Math.random() * 2 ** 31);

/**
 * The seed pairs of one dropout call site (`site` names the layer call, e.g. `dropout_1#7`): [a key of the run seed
 * and the site, the step] with a run seed; fresh random pairs without one, as tfjs seeds an unseeded dropout.
 */
export function dropoutSeeds(runSeed: number | undefined, site: string, clock: StepClock): SeedPair {
  if (runSeed === undefined) return () => [random31(), random31()];
  // One key per site, so that two dropout layers never share a mask; the step varies it from batch to batch.
  const key = createRng(runSeed, `dropout ${site}`).int(2 ** 31);
  return () => [key, clock.step % 2 ** 31];
}
