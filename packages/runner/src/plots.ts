import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { join } from 'node:path';
import { writeFileAtomic } from '@pes/core/node';

// Every plot uses one sans-serif face: vega measures text with it and resvg draws it.
const FONT = 'DejaVu Sans';

/** A Vega-Lite spec rendered headless to SVG (vega), as report.html and the dashboard show it. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const withFont = {
    ...spec,
    config: { font: FONT, ...(spec as { config?: object }).config },
  } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withFont).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A Vega-Lite spec rendered headless to SVG (vega) and PNG (resvg, at twice the size). */
export async function renderPlot(spec: TopLevelSpec): Promise<{ svg: string; png: Buffer }> {
  const svg = await renderSvg(spec);
  const png = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: 2 },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: FONT, sansSerifFamily: FONT },
  })
    .render()
    .asPng();
  return { svg, png };
}

/** Writes `name.svg` and `name.png` into `dir`, each atomically; returns their paths. */
export async function writePlot(dir: string, name: string, spec: TopLevelSpec): Promise<string[]> {
  const { svg, png } = await renderPlot(spec);
  const svgPath = join(dir, `${name}.svg`);
  const pngPath = join(dir, `${name}.png`);
  writeFileAtomic(svgPath, svg);
  writeFileAtomic(pngPath, png);
  return [svgPath, pngPath];
}
