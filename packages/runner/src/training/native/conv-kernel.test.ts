import { describe, expect, it } from 'vitest';
import { resolveConvKernel } from './conv-kernel.js';

describe('resolveConvKernel', () => {
  const run = (asked: Parameters<typeof resolveConvKernel>[0], precision: 'float32' | 'mixed_bfloat16', available = true) => {
    const lines: string[] = [];
    let probed = false;
    const fused = resolveConvKernel(asked, precision, (m) => lines.push(m), () => ((probed = true), available));
    return { fused, lines, probed };
  };

  it('auto fuses under mixed_bfloat16 and keeps float32 separate (an unset option resolves as auto)', () => {
    expect(run('auto', 'mixed_bfloat16').fused).toBe(true);
    expect(run(undefined, 'mixed_bfloat16').fused).toBe(true);
    expect(run('auto', 'float32')).toEqual({ fused: false, lines: [], probed: false });
    expect(run(undefined, 'float32').fused).toBe(false);
  });

  it('fused and separate are followed in either precision', () => {
    expect(run('fused', 'float32').fused).toBe(true);
    expect(run('fused', 'mixed_bfloat16').fused).toBe(true);
    expect(run('separate', 'mixed_bfloat16')).toEqual({ fused: false, lines: [], probed: false });
  });

  it('where the fused kernel does not run, convolutions run separately and the log says why', () => {
    for (const [asked, precision] of [['fused', 'float32'], ['auto', 'mixed_bfloat16']] as const) {
      const r = run(asked, precision, false);
      expect(r.fused).toBe(false);
      expect(r.lines).toHaveLength(1);
      expect(r.lines[0]).toMatch(/separate ops.*TF_ENABLE_ONEDNN_OPTS=0/);
    }
  });
});
