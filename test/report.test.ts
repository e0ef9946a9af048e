import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildReport } from '../report/buildReport.ts';
import { fmt } from '../report/htmlPage.ts';
import { writeSyntheticRun } from '../bench/fixtures/syntheticRun.ts';
import { browserRequired, CHROMIUM, closeBrowser, haveChromium, openReport } from './helpers/browser.ts';
import { KNOWN_P } from '../training/simulator/syntheticKinetics.ts';

if (!haveChromium && !browserRequired) console.warn(`report.test.ts: browser checks skipped: no chromium binary at ${CHROMIUM} (apt-get install -y chromium, or set ATOMDYN_CHROMIUM); under CI=true they fail instead`);

const root = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-report-'));
const withDopants = path.join(root, 'dopants');
const pristine = path.join(root, 'pristine');
const simulated = path.join(root, 'simulated');
const single = path.join(root, 'single');
let reportFile = '', pristineFile = '', simulatedFile = '', singleFile = '';

beforeAll(async () => {
  await writeSyntheticRun(withDopants, { seed: 4 });
  await writeSyntheticRun(pristine, { dopants: false, seed: 5 });
  await writeSyntheticRun(simulated, { seed: 4, truth: true });
  await writeSyntheticRun(single, { seed: 6, single: true });
  // BIC curves: K at the top of the range tried (dopants) and inside it (simulated)
  writeFileSync(path.join(withDopants, 'model.json'), JSON.stringify({ k: 3, bic: [{ k: 1, bic: 500, nSamples: 80 }, { k: 2, bic: 450, nSamples: 80 }, { k: 3, bic: 440, nSamples: 80 }] }));
  writeFileSync(path.join(simulated, 'model.json'), JSON.stringify({ k: 3, bic: [1, 2, 3, 4].map((k) => ({ k, bic: 500 - 30 * k + 12 * k * k, nSamples: 80 })) }));
  reportFile = await buildReport(withDopants);
  pristineFile = await buildReport(pristine);
  simulatedFile = await buildReport(simulated);
  singleFile = await buildReport(single);
}, 180_000);
afterAll(async () => {
  await closeBrowser();
  rmSync(root, { recursive: true, force: true });
});

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
    // drawn once (no drift.png here: the chart), no known-answer section without a truth file
    expect(html.match(/data-chart="drift"/g)).toHaveLength(1);
    expect(html).not.toContain('<section id="known-answer">');
    // times in seconds (frame time 0.8 s in run.json)
    expect(html).toMatch(/<th>mean dwell \(s\) \[95 % interval\]<\/th>/);
    expect(html).toContain('dwell period (s)');
  });

  it('names classes with their dominant configuration and purity', () => {
    const html = readFileSync(reportFile, 'utf8');
    const rows = [...html.matchAll(/<tr data-state="([^"]+)" data-purity="([^"]*)">/g)].map((m) => [m[1], Number(m[2])]);
    expect(rows.map((r) => r[0])).toEqual(['Si1C3', 'Si1C4', 'class2']);
    // syntheticConfigurations gives Si-named classes their own formula and class2 'Si2C6': all pure
    expect(rows.every((r) => r[1] === 1)).toBe(true);
  });

  it('shows the BIC curve, and warns when K is the largest number of classes tried', () => {
    const edge = readFileSync(reportFile, 'utf8');
    expect(edge).toMatch(/data-chart="bic" data-k="3" data-k-max="3"><svg/);
    expect(edge).toContain('id="bic-edge">K = 3 is the largest number of classes tried (1 to 3)');
    const inside = readFileSync(simulatedFile, 'utf8');
    expect(inside).toMatch(/data-chart="bic" data-k="3" data-k-max="4"><svg/);
    expect(inside).not.toContain('id="bic-edge"');
  });

  it('a simulation with a truth file gets the known-answer section: classes matched to true states, matrix against the truth', () => {
    const html = readFileSync(simulatedFile, 'utf8');
    expect(html).toContain('<section id="known-answer">');
    expect(html).toMatch(/id="known-answer-scores" data-agreement="1" data-ari="1"/);
    const t = JSON.parse(readFileSync(path.join(simulated, 'transitions.json'), 'utf8'));
    const rows = [...html.matchAll(/<tr data-from="([^"]+)" data-to="([^"]+)" data-truth="([^"]+)" data-estimate="([^"]+)" data-covered="(true|false)">/g)];
    expect(rows).toHaveLength(9);
    for (const [, from, to, truth, est] of rows) {
      const i = t.states.indexOf(from), j = t.states.indexOf(to);
      expect(Number(truth)).toBe(KNOWN_P[i][j]);
      expect(Number(est)).toBe(t.matrix[i][j]);
    }
    expect(rows.filter((r) => r[5] === 'true').length).toBeGreaterThanOrEqual(7);
    // trajectory map over mean_frame.png with the 8 dopants and 2 hops
    expect(html).toMatch(/<svg[^>]*id="trajectory-map"/);
    expect(html.match(/<g data-particle="\d+"/g)).toHaveLength(8);
    expect(html.match(/data-hop=""/g)).toHaveLength(2);
  });

  it('a single image shows atoms and configurations, no drift, kinetics or timelines, and no advice to run transitions', () => {
    const html = readFileSync(singleFile, 'utf8');
    for (const id of ['summary', 'atoms', 'classes', 'reproduce']) expect(html).toContain(`<section id="${id}">`);
    for (const id of ['drift', 'trajectories', 'kinetics', 'timelines', 'dwell', 'timescales', 'events']) expect(html).not.toContain(`<section id="${id}">`);
    expect(html).not.toContain('No transitions.json');
    expect(html).not.toContain('frame time');
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

describe.runIf(browserRequired)('browser required (CI=true)', () => {
  it(`finds chromium at ${CHROMIUM}`, () => {
    expect(haveChromium, `no chromium at ${CHROMIUM}: under CI=true the browser tests must run (apt-get install -y chromium, or set ATOMDYN_CHROMIUM)`).toBe(true);
  });
});

describe.skipIf(!haveChromium && !browserRequired)(`report in headless Chromium (${CHROMIUM})`, () => {
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
    expect(r.noConfig).toBe(true);
  });

  it('draws the trajectory map, a true scale bar on every image with its caption below, and the known-answer section', async () => {
    const r = await openReport(simulatedFile, 'report-simulated.png');
    expect(r.problems).toEqual([]);
    expect(r.overflowPx).toBeLessThanOrEqual(0);
    expect(r.trajectoryMap).not.toBeNull();
    expect(r.trajectoryMap!.width).toBeGreaterThan(300);
    expect(r.trajectoryMap!.particles).toBe(8);
    expect(r.trajectoryMap!.hops).toBe(2);
    expect(r.trajectoryMap!.segments).toBeGreaterThan(8 * 20);
    expect(r.scaleBars.map((b) => b.figure).sort()).toEqual(['overlay', 'trajectory-map']);
    for (const b of r.scaleBars) {
      expect(b.hasBar).toBe(true);
      expect(b.inside).toBe(true);
      expect(b.captionBelow).toBe(true);
      expect(Math.abs(b.drawnFraction / b.expectedFraction - 1)).toBeLessThan(0.02);
    }
    expect(r.knownAnswer).toEqual(expect.objectContaining({ agreement: '1', ari: '1', compared: '9' }));
    expect(r.sections).toEqual(['summary', 'known-answer', 'atoms', 'trajectories', 'drift', 'classes', 'kinetics', 'timelines', 'dwell', 'timescales', 'events', 'reproduce']);
  });

  it('fits a phone screen without scrolling the whole page sideways', async () => {
    const r = await openReport(simulatedFile, 'report-simulated-phone.png', 390);
    expect(r.problems).toEqual([]);
    expect(r.overflowPx).toBeLessThanOrEqual(0);
    expect(r.trajectoryMap!.width).toBeLessThanOrEqual(390);
  });
});
