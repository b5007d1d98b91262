// How a parameter's values map to the numbers a Parzen estimator works with: choice indices for `values`,
// log values for log_uniform, plain numbers (with a step for integers and `q`) otherwise.
import { isCategorical, quantize, sameValue, valueRange, type ParameterSpec } from '@xp/core';
import type { ParamValue } from '../types.js';
import { CategoricalDimension, NumericDimension, type BandwidthClip, type ParzenDimension } from './parzen-estimator.js';
import { copyValue, stepOf } from './search-space.js';

/** A parameter as the estimator sees it. */
export interface ParamCodec {
  /** The estimator's number for a value from the history; undefined when it is not a value of this parameter. */
  encode(value: ParamValue | undefined): number | undefined;
  /** A candidate moved onto the values the parameter can take (steps, bounds), still in estimator space. */
  snap(x: number): number;
  /** The parameter value of a snapped candidate. */
  decode(x: number): ParamValue;
  /** The estimator dimension of a set of encoded observations; `clip` applies to numeric parameters. */
  dimension(observations: readonly number[], clip?: BandwidthClip): ParzenDimension;
}

/** The codec of one parameter spec. */
export function codecOf(spec: ParameterSpec): ParamCodec {
  if (isCategorical(spec)) {
    return {
      encode: (v) => {
        const i = v === undefined ? -1 : spec.values.findIndex((c) => sameValue(c, v));
        return i < 0 ? undefined : i;
      },
      snap: (x) => x,
      decode: (x) => copyValue(spec.values[x]),
      dimension: (obs) => new CategoricalDimension(obs, spec.values.length),
    };
  }
  const log = spec.distribution === 'log_uniform';
  const { low, high } = valueRange(spec);
  const [to, from] = log ? [Math.log, Math.exp] : [(x: number) => x, (x: number) => x];
  // A log range with `q` is modelled as continuous in log space; its steps are applied when decoding.
  const step = log ? undefined : stepOf(spec);
  return {
    encode: (v) => (typeof v === 'number' && v >= low && v <= high ? to(v) : undefined),
    snap: (x) => to(quantize(spec, from(x))),
    decode: (x) => quantize(spec, from(x)),
    dimension: (obs, clip) => new NumericDimension(obs, to(low), to(high), step, clip),
  };
}
