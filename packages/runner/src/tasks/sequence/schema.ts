import { Strict, type Static } from '@xp/core';

/** `task: sequence`: its options. None yet: the heads' style comes from the model, the positions from the data. */
export const SequenceTaskSchema = Strict({}, { description: 'One class per position of a sequence (the data marks positions past its end with a blank class); headline: exact match of whole sequences.' });

/** The resolved `task:` section of this type. */
export type SequenceTaskConfig = Static<typeof SequenceTaskSchema> & { type: 'sequence' };
