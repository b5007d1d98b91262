import { describe, expect, it } from 'vitest';
import { parsePreprocessing } from './model-files.js';

const image = { task: 'sequence', target: { kind: 'sequence', classes: ['0', '1', 'blank'], positions: 2, blank: 2 }, input: { kind: 'image', shape: [28, 56, 1] } };

describe('parsePreprocessing', () => {
  it('reads an image model’s size, fit and normalisation (scalars become one-element lists)', () => {
    const p = parsePreprocessing({ ...image, image: { height: 28, width: 56, channels: 1 }, normalize: { mean: 0.13, std: 0.31 }, resize: 'pad', align: 'left', background: 0.1 });
    expect(p.image).toEqual({ height: 28, width: 56, channels: 1, resize: 'pad', align: 'left', background: 0.1, mean: [0.13], std: [0.31] });
    expect(p.target).toEqual(image.target);
  });

  it('defaults an image folder’s fit to centred padding on black', () => {
    const p = parsePreprocessing({ ...image, type: 'image_folder', image: { height: 8, width: 8, channels: 3 }, normalize: { mean: [0.4, 0.4, 0.4], std: [0.2, 0.2, 0.2] }, resize: 'crop' });
    expect(p.image).toMatchObject({ channels: 3, resize: 'crop', align: 'center', background: 0, mean: [0.4, 0.4, 0.4] });
  });

  it('reads a table model’s encoders and turns its target encoding into a TargetSpec', () => {
    const table = { type: 'table', version: 1, missing: 'mean', na_values: [], columns: [{ name: 'x', kind: 'numeric', mean: 0, std: 1 }], encoded: ['x'] };
    const cls = parsePreprocessing({ task: 'classification', input: { kind: 'vector', shape: [1], columns: ['x'] }, ...table, target: { name: 'y', kind: 'categorical', classes: ['a', 'b'] } });
    expect(cls.target).toEqual({ kind: 'class', classes: ['a', 'b'] });
    expect(cls.table?.columns).toHaveLength(1);
    const reg = parsePreprocessing({ task: 'regression', input: { kind: 'vector', shape: [1], columns: ['x'] }, ...table, target: { name: 'y', kind: 'numeric', mean: 5, std: 2 } });
    expect(reg.target).toEqual({ kind: 'values', names: ['y'], mean: [5], std: [2] });
  });

  it('refuses a file without task, target, input or normalisation, naming the file', () => {
    expect(() => parsePreprocessing({ target: image.target, input: image.input }, 'm/preprocessing.json')).toThrow(/^m\/preprocessing\.json: no `task`/);
    expect(() => parsePreprocessing({ task: 'sequence', input: image.input })).toThrow(/no `target`/);
    expect(() => parsePreprocessing({ ...image, image: { height: 28, width: 56, channels: 1 } })).toThrow(/without `normalize/);
    expect(() => parsePreprocessing({ ...image, image: { height: 28, width: 56 }, normalize: { mean: 'a', std: 1 } })).toThrow(/must be numbers/);
  });
});
