// Vega-Lite → SVG → PNG without a browser: vega's headless View writes the SVG string and resvg (a Rust
// rasteriser shipped as a prebuilt binary) turns it into PNG. No canvas package, no native build step.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A rendered chart: the SVG text (to inline in HTML) and the PNG bytes (to upload). */
export interface RenderedChart {
  svg: string;
  png: Buffer;
}

/** Options of {@link renderVegaLite}. */
export interface RenderOptions {
  /** PNG pixels per SVG pixel. Defaults to 2, sharp on high-DPI screens and still small. */
  scale?: number;
  /** Background of the PNG (CSS colour). Defaults to white. */
  background?: string;
}

// Where distributions put DejaVu (Debian/Ubuntu, Fedora, Arch, Homebrew/macOS users' fonts).
const FONT_DIRS = [
  '/usr/share/fonts/truetype/dejavu',
  '/usr/share/fonts/dejavu',
  '/usr/share/fonts/dejavu-sans-fonts',
  '/usr/share/fonts/TTF',
  '/usr/local/share/fonts',
  '/Library/Fonts',
];
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

let fontOptions: ResvgRenderOptions['font'] | undefined;

/**
 * The fonts resvg gets. resvg draws no text at all without a font, so: DejaVu Sans when it is installed
 * (loading two files is fast and renders the same on every machine), otherwise every system font, with
 * resvg's own choice for the generic `sans-serif` that Vega asks for.
 */
export function plotFonts(): NonNullable<ResvgRenderOptions['font']> {
  if (fontOptions) return fontOptions;
  for (const dir of FONT_DIRS) {
    const files = FONT_FILES.map((f) => path.join(dir, f)).filter((f) => existsSync(f));
    if (files.length > 0) {
      fontOptions = { loadSystemFonts: false, fontFiles: files, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' };
      return fontOptions;
    }
  }
  fontOptions = { loadSystemFonts: true };
  return fontOptions;
}

/**
 * Renders a Vega-Lite spec to SVG and PNG, headless. Give the spec explicit `width`/`height` (the SVG's
 * size follows them); `image` marks may use `data:` URIs, which resvg decodes itself. Nothing is fetched
 * over the network unless the spec itself names a URL.
 *
 * @example const { svg, png } = await renderVegaLite({ data: { values }, mark: 'line', encoding: {…} });
 */
export async function renderVegaLite(spec: TopLevelSpec, opts: RenderOptions = {}): Promise<RenderedChart> {
  let vgSpec;
  try {
    vgSpec = compile(spec).spec;
  } catch (e) {
    throw new Error(`invalid Vega-Lite spec: ${(e as Error).message}`, { cause: e });
  }
  const view = new View(parse(vgSpec), { renderer: 'none' });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize(); // drops timers and listeners, so nothing keeps the process alive
  }
  const resvg = new Resvg(svg, {
    font: plotFonts(),
    fitTo: { mode: 'zoom', value: opts.scale ?? 2 },
    background: opts.background ?? 'white',
    logLevel: 'off',
  });
  return { svg, png: resvg.render().asPng() };
}
