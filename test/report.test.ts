import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildReport } from '../report/buildReport.ts';
import { fmt } from '../report/htmlPage.ts';
import { writeSyntheticRun } from './helpers/syntheticRun.ts';

// The browser check needs Debian's chromium (CI installs it; here: apt-get install -y chromium).
const CHROMIUM = process.env.ATOMDYN_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`report.test.ts: browser checks skipped: no chromium binary at ${CHROMIUM} (apt-get install -y chromium, or set ATOMDYN_CHROMIUM)`);
const SHOTS = path.resolve('out/test');

const root = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-report-'));
const withDopants = path.join(root, 'dopants');
const pristine = path.join(root, 'pristine');
let reportFile = '', pristineFile = '';

beforeAll(async () => {
  await writeSyntheticRun(withDopants, { seed: 4 });
  await writeSyntheticRun(pristine, { dopants: false, seed: 5 });
  reportFile = await buildReport(withDopants);
  pristineFile = await buildReport(pristine);
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every matrix cell of the page: data attributes and the text shown. */
function cellsFromHtml(html: string) {
  return [...html.matchAll(/<td class="cell[^"]*" data-from="([^"]*)" data-to="([^"]*)" data-p="([^"]*)" data-ci-low="([^"]*)" data-ci-high="([^"]*)" data-count="([^"]*)"[^>]*><span class="p">([^<]*)<\/span>/g)]
    .map((m) => ({ from: m[1], to: m[2], p: m[3], lo: m[4], hi: m[5], count: m[6], shown: m[7] }));
}

describe('buildReport', () => {
  it('writes one self-contained page: no scripts, no external resources, images inlined', () => {
    const html = readFileSync(reportFile, 'utf8');
    expect(reportFile).toBe(path.join(withDopants, 'report.html'));
    expect(html).not.toMatch(/<script/i);
    expect(html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]+"/g, '')).not.toMatch(/(src|href)="(https?:|\/\/)/);
    expect(html).not.toMatch(/url\((?!#)/);
    const imgs = [...html.matchAll(/<img src="([^"]{0,30})/g)].map((m) => m[1]);
    expect(imgs.length).toBeGreaterThanOrEqual(5); // overlay, gallery, 3 event crops
    for (const s of imgs) expect(s.startsWith('data:image/png;base64,')).toBe(true);
    for (const id of ['summary', 'atoms', 'drift', 'classes', 'kinetics', 'timelines', 'dwell', 'timescales', 'events', 'reproduce']) expect(html).toContain(`<section id="${id}">`);
    for (const chart of ['drift', 'ck', 'timelines', 'dwell', 'timescales']) expect(html).toMatch(new RegExp(`data-chart="${chart}"[^>]*><svg`));
    expect(html).toMatch(/atomdyn transitions \S+configurations\.csv --dose-rate 2e5 --out/);
  });

  it('shows exactly the numbers of transitions.json in the matrix heat map', () => {
    const html = readFileSync(reportFile, 'utf8');
    const t = JSON.parse(readFileSync(path.join(withDopants, 'transitions.json'), 'utf8'));
    const cells = cellsFromHtml(html);
    expect(cells).toHaveLength(t.states.length ** 2);
    for (const c of cells) {
      const i = t.states.indexOf(c.from), j = t.states.indexOf(c.to);
      expect(Number(c.p)).toBe(t.matrix[i][j]);
      expect(Number(c.lo)).toBe(t.ci_low[i][j]);
      expect(Number(c.hi)).toBe(t.ci_high[i][j]);
      expect(Number(c.count)).toBe(t.counts[i][j]);
      expect(c.shown).toBe(fmt(t.matrix[i][j]));
    }
  });

  it('a pristine lattice gets atoms, tracks, drift and a clear statement that no configurations were found', () => {
    const html = readFileSync(pristineFile, 'utf8');
    expect(html).toMatch(/id="no-configurations">No configurations were found/);
    for (const id of ['summary', 'atoms', 'drift', 'reproduce']) expect(html).toContain(`<section id="${id}">`);
    expect(html).toMatch(/<svg[^>]*id="frame-drawing"[^>]*data-atoms="255"/);
    expect(html).not.toContain('id="transition-matrix"');
  });

  it('rejects a folder that does not exist with a one-line error', async () => {
    await expect(buildReport(path.join(root, 'nope'))).rejects.toThrow(/nope: not a folder/);
  });
});

describe.skipIf(!haveChromium)(`report in headless Chromium (${CHROMIUM})`, () => {
  async function open(file: string, shot: string) {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
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
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, shot), fullPage: true });
      return { problems, cells, images, title: await page.title(), noConfig: await page.$('#no-configurations') };
    } finally {
      await browser.close();
    }
  }

  it('renders without console errors or failed requests, and its matrix equals transitions.json', async () => {
    const r = await open(reportFile, 'report.png');
    expect(r.problems).toEqual([]);
    expect(r.title).toBe('atomdyn report: movie.tif');
    expect(r.images.every((w) => w > 0)).toBe(true);
    const t = JSON.parse(readFileSync(path.join(withDopants, 'transitions.json'), 'utf8'));
    expect(r.cells).toHaveLength(t.states.length ** 2);
    for (const c of r.cells) {
      const i = t.states.indexOf(c.from), j = t.states.indexOf(c.to);
      expect(Number(c.p)).toBe(t.matrix[i][j]);
      expect(Math.abs(Number(c.shown) - t.matrix[i][j])).toBeLessThanOrEqual(0.0005);
    }
  });

  it('renders the pristine-lattice report without errors', async () => {
    const r = await open(pristineFile, 'report-pristine.png');
    expect(r.problems).toEqual([]);
    expect(r.noConfig).not.toBeNull();
  });
});
