import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildReport } from '../report/buildReport.ts';
import { fmt } from '../report/htmlPage.ts';
import { writeSyntheticRun } from './helpers/syntheticRun.ts';
import { CHROMIUM, haveChromium, openReport } from './helpers/browser.ts';

if (!haveChromium) console.warn(`report.test.ts: browser checks skipped: no chromium binary at ${CHROMIUM} (apt-get install -y chromium, or set ATOMDYN_CHROMIUM)`);

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
    const imgs = [...html.matchAll(/<(?:img src|image href)="([^"]{0,30})/g)].map((m) => m[1]);
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
  it('renders without console errors or failed requests, and its matrix equals transitions.json', async () => {
    const r = await openReport(reportFile, 'report.png');
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
    const r = await openReport(pristineFile, 'report-pristine.png');
    expect(r.problems).toEqual([]);
    expect(r.noConfig).not.toBeNull();
  });
});
