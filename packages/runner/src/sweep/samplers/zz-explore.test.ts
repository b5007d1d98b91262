import { it } from 'vitest';
import { RandomSampler } from './random-sampler.js';
import { TpeSampler } from './tpe-sampler.js';
import { bestValue, simulateSweep } from './simulate.js';
import type { SearchSpace } from './search-space.js';
import type { ParamValue } from '../types.js';

const space1: SearchSpace = { x: { distribution: 'uniform', min: -5, max: 5 } };
const f1 = (p: Record<string, ParamValue>) => -(((p.x as number) - 1.3) ** 2);
const space2: SearchSpace = { lr: { distribution: 'log_uniform', min: 1e-5, max: 1e-1 }, d: { distribution: 'uniform', min: 0, max: 0.8 } };
const f2 = (p: Record<string, ParamValue>) => -((Math.log10(p.lr as number) + 2.5) ** 2) - 4 * ((p.d as number) - 0.3) ** 2;
const space3: SearchSpace = {
  lr: { distribution: 'log_uniform', min: 1e-4, max: 1e-2 },
  d: { values: [0.2, 0.3, 0.5] },
  bs: { values: [64, 128] },
};
const f3 = (p: Record<string, ParamValue>) => 0.95 - 0.05 * (Math.log10(p.lr as number) + 2.6) ** 2 - ({ 0.2: 0.01, 0.3: 0, 0.5: 0.03 } as Record<number, number>)[p.d as number] - (p.bs === 64 ? 0 : 0.005);

for (const [name, space, f, n] of [['1d', space1, f1, 30], ['2d', space2, f2, 30], ['issue', space3, f3, 30]] as const) {
  it(name, () => {
    const t0 = Date.now();
    let wins = 0, reach = 0;
    for (let seed = 0; seed < 200; seed++) {
      const r = simulateSweep(new RandomSampler(space, { seed }), f, 40);
      const t = simulateSweep(new TpeSampler(space, { seed, goal: 'maximize' }), f, n);
      if (bestValue(t, 'maximize') > bestValue(r, 'maximize', n)) wins++;
      if (bestValue(t, 'maximize', 20) >= bestValue(r, 'maximize', 40)) reach++;
    }
    console.log(name, 'tpe beats random at', n, ':', wins, '/200; tpe@20 >= random@40:', reach, '/200', Date.now() - t0, 'ms');
  });
}
