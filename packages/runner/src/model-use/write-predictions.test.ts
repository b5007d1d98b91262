import { describe, expect, it } from 'vitest';
import { csvWriter, flattenPrediction, jsonlLine } from './write-predictions.js';

describe('prediction output', () => {
  it('writes one JSON object per line', () => {
    expect(jsonlLine({ input: 'a.png', prediction: '407', probability: 0.5 })).toBe('{"input":"a.png","prediction":"407","probability":0.5}\n');
  });

  it('flattens top-k, per-position top-k and several regression targets into columns', () => {
    expect(flattenPrediction({ input: 'r:2', prediction: 'Adelie', probability: 0.9, top_k: [{ label: 'Adelie', probability: 0.9 }, { label: 'Gentoo', probability: 0.1 }] })).toEqual({
      input: 'r:2', prediction: 'Adelie', probability: 0.9, top1: 'Adelie', top1_probability: 0.9, top2: 'Gentoo', top2_probability: 0.1,
    });
    expect(Object.keys(flattenPrediction({ input: 'x', prediction: '1', probability: 1, positions: [[{ label: '1', probability: 1 }], [{ label: 'blank', probability: 1 }]] }))).toEqual([
      'input', 'prediction', 'probability', 'pos1_top1', 'pos1_top1_probability', 'pos2_top1', 'pos2_top1_probability',
    ]);
    expect(flattenPrediction({ input: 'x', prediction: { mpg: 20, hp: 100 } })).toEqual({ input: 'x', 'prediction.mpg': 20, 'prediction.hp': 100 });
  });

  it('writes CSV with one header and RFC 4180 quoting', () => {
    let s = '';
    const write = csvWriter((t) => (s += t));
    write({ input: 'my, "file".png', prediction: '12', probability: 0.25 });
    write({ input: 'b.png', prediction: '', probability: 1 });
    expect(s).toBe('input,prediction,probability\n"my, ""file"".png",12,0.25\nb.png,,1\n');
  });
});
