import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** Debian's chromium (CI installs it; here: apt-get install -y chromium), or ATOMDYN_CHROMIUM. */
export const CHROMIUM = process.env.ATOMDYN_CHROMIUM ?? '/usr/bin/chromium';
/** True when the browser checks can run. */
export const haveChromium = existsSync(CHROMIUM);
/** Under CI=true a missing browser fails the run instead of skipping the browser tests. */
export const browserRequired = process.env.CI === 'true';
/** Where screenshots go. */
export const SHOTS = path.resolve('out/test');

/** What {@link openReport} measured on the page. */
export interface PageReport {
  problems: string[];
  cells: Array<{ from: string | null; to: string | null; p: string | null; shown: string }>;
  images: number[];
  title: string;
  noConfig: boolean;
  sections: string[];
  /** Document wider than the viewport (horizontal scrolling of the whole page). */
  overflowPx: number;
  /** Every inline image (svg.image): its scale bar as drawn, relative to the image as drawn. */
  scaleBars: Array<{ figure: string; hasBar: boolean; drawnFraction: number; expectedFraction: number; inside: boolean; captionBelow: boolean }>;
  trajectoryMap: { width: number; particles: number; hops: number; segments: number } | null;
  knownAnswer: { agreement: string | null; ari: string | null; covered: string | null; compared: string | null } | null;
}

/**
 * Open a report page in headless Chromium (playwright-core), collect console errors/warnings,
 * page errors, failed and network requests, read the transition-matrix cells, image widths, scale
 * bars, the trajectory map and the known-answer section, and save a full-page screenshot as
 * SHOTS/<shot> (or at `shot` when it is an absolute path).
 * @param width viewport width in CSS px (default 1400)
 */
export async function openReport(file: string, shot: string, width = 1400): Promise<PageReport> {
  const { chromium } = await import('playwright-core');
  browser ??= chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await (await browser).newPage({ viewport: { width, height: 900 } });
  try {
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()}`));
    page.on('request', (r) => { if (!/^(file|data):/.test(r.url())) problems.push(`network request: ${r.url()}`); });
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    const cells = await page.$$eval('#transition-matrix td.cell', (tds) => tds.map((td) => ({
      from: td.getAttribute('data-from'), to: td.getAttribute('data-to'), p: td.getAttribute('data-p'), shown: td.querySelector('.p')?.textContent ?? '',
    })));
    const images = await page.$$eval('img', (els) => els.map((e) => (e as HTMLImageElement).naturalWidth));
    const measured = await page.evaluate(() => {
      const box = (e: Element) => e.getBoundingClientRect();
      const scaleBars = [...document.querySelectorAll('svg.image')].map((svg) => {
        const s = box(svg);
        const vb = (svg as SVGSVGElement).viewBox.baseVal;
        const g = svg.querySelector('[data-scale-bar]');
        const bar = g?.querySelector('rect.bar');
        const b = bar ? box(bar) : null;
        const fig = svg.closest('figure');
        const cap = fig?.querySelector('figcaption');
        return {
          figure: fig?.getAttribute('data-figure') ?? '',
          hasBar: !!b,
          drawnFraction: b ? b.width / s.width : 0,
          expectedFraction: g ? Number(g.getAttribute('data-bar-width')) / vb.width : 0,
          inside: !!b && b.left >= s.left - 0.5 && b.right <= s.right + 0.5 && b.top >= s.top - 0.5 && b.bottom <= s.bottom + 0.5,
          captionBelow: !cap || box(cap).top >= s.bottom - 0.5,
        };
      });
      const map = document.querySelector('#trajectory-map');
      return {
        scaleBars,
        trajectoryMap: map ? { width: box(map).width, particles: map.querySelectorAll('g[data-particle]').length, hops: map.querySelectorAll('[data-hop]').length, segments: map.querySelectorAll('g[data-particle] line').length } : null,
        knownAnswer: document.querySelector('#known-answer') ? {
          agreement: document.querySelector('#known-answer-scores')?.getAttribute('data-agreement') ?? null,
          ari: document.querySelector('#known-answer-scores')?.getAttribute('data-ari') ?? null,
          covered: document.querySelector('#known-answer-coverage')?.getAttribute('data-covered') ?? null,
          compared: document.querySelector('#known-answer-coverage')?.getAttribute('data-compared') ?? null,
        } : null,
        sections: [...document.querySelectorAll('main > section')].map((s) => s.id),
        overflowPx: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      };
    });
    const out = path.isAbsolute(shot) ? shot : path.join(SHOTS, shot);
    mkdirSync(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    return { problems, cells, images, title: await page.title(), noConfig: !!(await page.$('#no-configurations')), ...measured };
  } finally {
    await page.close();
  }
}

let browser: Promise<import('playwright-core').Browser> | null = null;

/** Close the browser {@link openReport} started (call in afterAll). */
export async function closeBrowser(): Promise<void> {
  const b = browser;
  browser = null;
  if (b) await (await b).close();
}
