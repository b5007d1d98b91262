import { describe, expect, it } from 'vitest';
import { isPng, pngSize } from './png-info.js';
import { plotFonts, renderVegaLite } from './render.js';

describe('renderVegaLite', () => {
  it('renders SVG and a PNG scaled by `scale`, with text (a font was found)', async () => {
    const { svg, png } = await renderVegaLite(
      { width: 100, height: 50, data: { values: [{ a: 'x', b: 1 }, { a: 'y', b: 2 }] }, mark: 'bar', encoding: { x: { field: 'a' }, y: { field: 'b', type: 'quantitative' } } },
      { scale: 1 },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(isPng(png)).toBe(true);
    const { width, height } = pngSize(png);
    expect(svg).toContain(`width="${width}"`);
    expect(svg).toContain(`height="${height}"`);
    const fonts = plotFonts();
    expect(fonts.loadSystemFonts === true || (fonts.fontFiles?.length ?? 0) > 0).toBe(true);
  });

  it('says when the spec is not valid Vega-Lite', async () => {
    await expect(renderVegaLite({ mark: 'nope' } as never)).rejects.toThrow(/^invalid Vega-Lite spec: /);
  });

  it('pngSize refuses what is not a PNG', () => {
    expect(() => pngSize(Buffer.from('GIF89a........................'))).toThrow(/not a PNG/);
  });
});
