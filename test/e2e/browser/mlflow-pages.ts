// Reading what MLflow 3.17's UI renders where no role or label gives it away: the compare page's
// virtualized metrics table and the Plotly chart of the metric page.
import type { Locator, Page } from 'playwright-core';

/** Waits until the browser has painted twice, so that a scroll's re-render is on screen. */
async function nextFrames(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

/**
 * The values the compare-runs page's Metrics table shows for `key`, one per run column, left to right.
 *
 * The table is two react-virtualized grids side by side (names; values), 300 px high, that render only the
 * rows near their scroll position, so the row is scrolled into view first. Name and values are paired by
 * the row offset the grids give each cell, not by where they appear on screen: in MLflow 3.17.2 the names
 * grid follows the values grid's scrolling one scroll event late, so after a scroll the two are visibly
 * misaligned until the next one (seen while writing this test).
 */
export async function compareMetricValues(page: Page, key: string): Promise<string[]> {
  const toggle = page.getByRole('switch', { name: 'Metrics - Show diff only' });
  const section = toggle.locator('xpath=ancestor::div[.//*[@role="grid"]][1]');
  const values = section.getByRole('grid').last();
  // Scan from the top down.
  if ((await values.evaluate((el) => el.scrollTop)) > 0) {
    await values.evaluate((el) => (el.scrollTop = 0));
    await nextFrames(page);
  }
  let lastScrollTop = 0;
  for (let i = 0; i < 50; i++) {
    const row = await section.evaluate((root, wanted) => {
      const [names, vals] = Array.from(root.querySelectorAll<HTMLElement>('[role="grid"]'));
      const link = Array.from(names.querySelectorAll('a')).find((a) => a.textContent?.trim() === wanted);
      const top = link?.parentElement?.style.top;
      if (!top) return null;
      const cells = Array.from(vals.querySelectorAll<HTMLElement>('[role="rowgroup"] > div')).filter((c) => c.style.top === top);
      // Rendered is not enough (the grid renders rows beyond its window): the row must be in view.
      const y = parseFloat(top);
      if (cells.length === 0 || y < vals.scrollTop || y + cells[0].offsetHeight > vals.scrollTop + vals.clientHeight) return null;
      cells.sort((a, b) => parseFloat(a.style.left) - parseFloat(b.style.left));
      return cells.map((c) => c.textContent?.trim() ?? '');
    }, key);
    if (row) {
      // Nudge by a pixel so the names column catches up (see above): screenshots show names beside values.
      await values.evaluate((el) => (el.scrollTop -= 1));
      await nextFrames(page);
      await values.evaluate((el) => (el.scrollTop += 1));
      await nextFrames(page);
      return row;
    }
    const scrollTop = await values.evaluate((el) => {
      el.scrollTop += 135;
      return el.scrollTop;
    });
    if (scrollTop === lastScrollTop) break;
    lastScrollTop = scrollTop;
    await nextFrames(page);
  }
  throw new Error(`compare page: no row for metric ${key} in the Metrics table`);
}

/**
 * The x-axis values of the markers a Plotly chart draws (its `show points` mode), read off the rendered
 * chart: each marker's centre is placed on the x axis by interpolating between the centres of the first and
 * last tick labels. Returns them left to right.
 */
export async function chartMarkerXs(chart: Locator): Promise<number[]> {
  return chart.evaluate((root) => {
    const centre = (el: Element) => {
      const r = el.getBoundingClientRect();
      return r.x + r.width / 2;
    };
    const ticks = Array.from(root.querySelectorAll('.xtick text')).map((t) => ({ px: centre(t), value: Number((t.textContent ?? '').replace('\u2212', '-')) }));
    if (ticks.length < 2 || ticks.some((t) => Number.isNaN(t.value))) throw new Error(`x-axis ticks not numeric: ${root.querySelector('.xaxislayer-above')?.textContent}`);
    const [a, b] = [ticks[0], ticks[ticks.length - 1]];
    const markers = Array.from(root.querySelectorAll('.scatterlayer .trace .points path.point')).map(centre);
    return markers.map((px) => a.value + ((px - a.px) * (b.value - a.value)) / (b.px - a.px)).sort((x, y) => x - y);
  });
}

/** `row-index` of the AG Grid row holding `el` (the experiment page's runs table). */
export async function gridRowIndex(el: Locator): Promise<number> {
  return Number(await el.locator('xpath=ancestor::*[@role="row"][1]').getAttribute('row-index'));
}
