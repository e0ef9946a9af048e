/**
 * The run report: one self-contained HTML page (DIR/report.html) built from whatever step files a
 * run folder holds: input summary and calibration, a frame with atoms and tracks, the drift plot,
 * the class gallery, the transition matrix as a heat map with counts and intervals, state timelines,
 * dwell histograms, implied timescales, the Chapman-Kolmogorov test, the event table with crops and
 * the exact commands that reproduce the run. Images are inlined as data URIs and charts as static
 * SVG, so the page opens offline. A run without any dopant centre (e.g. a pristine lattice) still
 * gets atoms, tracks and drift, and says plainly that no configurations were found.
 */
import path from 'node:path';
import { writeFileAtomic } from '../data/atomicWrite.ts';
import { finalPath } from '../data/runFolder.ts';
import type { RunMetadata } from '../data/runMetadata.ts';
import { drawFrameSvg } from './frameDrawing.ts';
import { esc, figure, fmt, img, keyValues, page, STATE_COLOURS, type Section } from './htmlPage.ts';
import { stateTable, transitionMatrixTable } from './matrixTable.ts';
import { readRunFolder, type RunFolder } from './runFolder.ts';
import { ckSpec, driftSpec, dwellSpec, renderVegaLite, timelineSpec, timescalesSpec } from './vegaCharts.ts';

/** Options of {@link buildReport}. */
export interface ReportOptions {
  /** Output file (default DIR/report.html). */
  out?: string;
  /** At most this many events get a table row (default 300) and particles a timeline (default 80). */
  maxEvents?: number;
  maxTimelines?: number;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

/** The chain of run.json files, oldest step first. */
function runChain(run: RunMetadata | null): RunMetadata[] {
  const out: RunMetadata[] = [];
  for (let r: RunMetadata | null | undefined = run; r; r = r.previous) out.unshift(r);
  return out;
}

function shellQuote(a: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

function sourced(s: { value: unknown; origin: string; note?: string } | undefined, unit: string): string {
  if (!s || s.value === null || s.value === undefined) return '<span class="note">unknown</span>';
  return `${fmt(s.value as number, 4)} ${esc(unit)} <span class="note">(${esc(s.origin)}${s.note ? `: ${esc(s.note)}` : ''})</span>`;
}

function summarySection(f: RunFolder): Section {
  const chain = runChain(f.run);
  const first = chain[0];
  const last = chain[chain.length - 1];
  const rows: Array<[string, string]> = [];
  rows.push(['run folder', esc(finalPath(f.dir))]);
  if (last) {
    rows.push(['source', esc(last.source ?? first?.source ?? 'unknown')]);
    const fr = last.frames ?? first?.frames;
    rows.push(['frames', fr ? `${fr.count} × ${fr.height} × ${fr.width} (frames × rows × columns)` : '<span class="note">unknown</span>']);
    rows.push(['pixel size', sourced(last.pixelSizePm, 'pm')]);
    rows.push(['frame time', sourced(last.frameTimeS, 's')]);
    if (fr && last.pixelSizePm?.value) rows.push(['field of view', `${fmt((fr.width * last.pixelSizePm.value) / 1000, 2)} × ${fmt((fr.height * last.pixelSizePm.value) / 1000, 2)} nm`]);
    if (last.lattice) rows.push(['lattice', esc(last.lattice)]);
    if (last.model) rows.push(['model', esc(last.model.name)]);
    const sp = Object.entries(last.species ?? {});
    if (sp.length) rows.push(['species', sp.map(([k, v]) => `${esc(k)} → ${esc(v)}`).join(', ')]);
    const backend = chain.map((r) => r.backend).find((b) => b);
    if (backend) rows.push(['tensor backend', esc(backend)]);
    rows.push(['steps', chain.map((r) => esc(r.step)).join(' → ')]);
    rows.push(['versions', Object.entries(last.versions ?? {}).map(([k, v]) => `${esc(k)} ${esc(v)}`).join(', ')]);
  } else rows.push(['run.json', '<span class="note">absent: calibration unknown</span>']);
  const counts: string[] = [];
  if (f.atoms) counts.push(`${f.atoms.rows.length} atom detections`);
  if (f.tracks) counts.push(`${new Set(f.tracks.rows.map((r) => r.particle)).size} trajectories`);
  if (f.configurations) counts.push(`${f.configurations.rows.length} classified configurations`);
  if (f.events) counts.push(`${f.events.rows.length} transition events`);
  if (counts.length) rows.push(['found', esc(counts.join(', '))]);
  const warnings = chain.flatMap((r) => (r.warnings ?? []).map((w) => `${r.step}: ${w}`));
  const warnHtml = warnings.map((w) => `<div class="warn">${esc(w)}</div>`).join('');
  return { id: 'summary', title: 'Input and calibration', html: keyValues(rows) + warnHtml };
}

function atomsSection(f: RunFolder): Section | null {
  if (!f.atoms && !f.tracks && !f.figures.overlays.length) return null;
  const parts: string[] = [];
  const src = f.atoms ?? f.tracks;
  if (src) {
    const frames = new Set(src.rows.map((r) => r.frame));
    const bySpecies = new Map<string, number>();
    for (const r of src.rows) bySpecies.set(String(r.species ?? '?'), (bySpecies.get(String(r.species ?? '?')) ?? 0) + 1);
    parts.push(`<p>${src.rows.length} detections in ${frames.size} frame(s), ${fmt(src.rows.length / Math.max(1, frames.size), 1)} per frame; by species: ${[...bySpecies].map(([s, n]) => `${esc(s)} ${n}`).join(', ')}.</p>`);
  }
  if (f.tracks) {
    const lengths = new Map<unknown, number>();
    for (const r of f.tracks.rows) lengths.set(r.particle, (lengths.get(r.particle) ?? 0) + 1);
    const L = [...lengths.values()].sort((a, b) => a - b);
    parts.push(`<p>${L.length} trajectories; length (frames) median ${L[Math.floor(L.length / 2)] ?? 0}, longest ${L[L.length - 1] ?? 0}.</p>`);
  }
  for (const png of f.figures.overlays) parts.push(figure(png, path.basename(png), 'data-figure="overlay"'));
  if (!f.figures.overlays.length && src) {
    const fr = f.run?.frames;
    const { svg, caption } = drawFrameSvg(f.atoms ?? f.tracks, f.tracks, { width: fr?.width, height: fr?.height });
    parts.push(`<figure data-figure="frame-drawing">${svg}<figcaption>${caption}</figcaption></figure>`);
  }
  return { id: 'atoms', title: 'Atoms and tracks', html: parts.join('\n') };
}

async function driftSection(f: RunFolder): Promise<Section | null> {
  if (!f.drift && !f.figures.drift.length) return null;
  const parts: string[] = [];
  if (f.drift) {
    const pm = f.drift.columns.includes('dx_pm') && f.drift.rows.every((r) => typeof r.dx_pm === 'number');
    const rows = f.drift.rows.map((r) => ({ frame: num(r.frame), dx: num(pm ? r.dx_pm : r.dx), dy: num(pm ? r.dy_pm : r.dy) })).filter((r) => Number.isFinite(r.dx));
    parts.push(`<div class="chart" data-chart="drift">${await renderVegaLite(driftSpec(rows, pm ? 'pm' : 'px'))}</div>`);
    const amb = f.drift.rows.filter((r) => r.ambiguous === true).map((r) => r.frame);
    const last = rows[rows.length - 1];
    parts.push(`<p class="note">Position of each frame's content relative to frame 0. Total drift ${last ? `${fmt(Math.hypot(last.dx, last.dy), 2)} ${pm ? 'pm' : 'px'}` : '–'}.${amb.length ? ` Ambiguous registration (another peak one lattice vector away nearly as high) in frame(s) ${esc(amb.join(', '))}.` : ''}</p>`);
  }
  for (const png of f.figures.drift) parts.push(figure(png, path.basename(png)));
  return { id: 'drift', title: 'Drift', html: parts.join('\n') };
}

function stateNames(f: RunFolder): string[] {
  if (f.transitions) return f.transitions.states as string[];
  const seen = new Map<number, string>();
  for (const r of f.configurations?.rows ?? []) if (typeof r.state === 'number' && !seen.has(r.state)) seen.set(r.state, r.state_name != null ? String(r.state_name) : `class${r.state}`);
  return [...seen].sort((a, b) => a[0] - b[0]).map(([, n]) => n);
}

function nameOf(r: Record<string, unknown>): string | null {
  if (typeof r.state !== 'number') return null;
  return r.state_name != null ? String(r.state_name) : `class${r.state}`;
}

function classesSection(f: RunFolder, names: string[]): Section | null {
  if (!f.figures.gallery.length && !(f.configurations && f.configurations.rows.length)) return null;
  const parts: string[] = [];
  for (const png of f.figures.gallery) parts.push(figure(png, path.basename(png), 'data-figure="gallery"'));
  if (f.configurations) {
    const stats = new Map<string, { n: number; particles: Set<unknown>; formulas: Set<string>; p: number }>();
    for (const r of f.configurations.rows) {
      const name = nameOf(r);
      if (!name) continue;
      const s = stats.get(name) ?? { n: 0, particles: new Set(), formulas: new Set(), p: 0 };
      s.n++;
      s.particles.add(r.particle);
      if (r.formula) s.formulas.add(String(r.formula));
      s.p += typeof r.probability === 'number' ? r.probability : 0;
      stats.set(name, s);
    }
    const rows = names.map((n, i) => {
      const s = stats.get(n);
      return `<tr data-state="${esc(n)}"><th class="text"><span class="swatch" style="background:${STATE_COLOURS[i % STATE_COLOURS.length]}"></span>${esc(n)}</th><td class="text">${esc([...(s?.formulas ?? [])].join(', '))}</td><td>${s?.n ?? 0}</td><td>${s?.particles.size ?? 0}</td><td>${s ? fmt(s.p / s.n) : '–'}</td></tr>`;
    }).join('');
    parts.push(`<table id="class-table"><tr><th class="text">class</th><th class="text">formula</th><th>observations</th><th>particles</th><th>mean probability</th></tr>${rows}</table>`);
  }
  return { id: 'classes', title: 'Classes (local configurations)', html: parts.join('\n') };
}

async function kineticsSection(f: RunFolder): Promise<Section | null> {
  const t = f.transitions;
  if (!t) return null;
  const names = t.states as string[];
  const parts: string[] = [];
  const lagS = t.lag_time_s as number | null | undefined;
  parts.push(`<p>Lag τ = ${esc(t.lag)} frame(s)${lagS ? ` (${fmt(lagS, 3)} s)` : ''}; ${esc(t.counting)} counting; ${t.reversible ? 'reversible (detailed balance imposed)' : 'non-reversible'} maximum-likelihood estimate from ${esc(t.n_trajectories)} particles, ${esc(t.n_pairs)} frame pairs.</p>`);
  parts.push(transitionMatrixTable(t));
  parts.push(stateTable(t));
  const note = t.stationary_note as string | undefined;
  if (note) parts.push(`<p class="note">Stationary distribution: ${esc(note)}.</p>`);
  const sets = (t.connected_sets as string[][] | undefined) ?? [];
  const closed = (t.closed_sets as string[][] | undefined) ?? [];
  parts.push(`<p>Strongly connected sets: ${sets.map((s) => `{${esc(s.join(', '))}}`).join(' ')}${closed.length ? `; closed: ${closed.map((s) => `{${esc(s.join(', '))}}`).join(' ')}` : ''}. ${sets.length > 1 ? 'Several sets mean one-way (irreversible) transitions; every state is kept.' : ''}</p>`);
  const b = t.bootstrap as { resamples: number; ci_low: Array<Array<number | null>>; ci_high: Array<Array<number | null>> } | null | undefined;
  if (b) {
    const rows = names.map((from, i) => `<tr><th class="text">${esc(from)}</th>${names.map((to, j) => `<td data-from="${esc(from)}" data-to="${esc(to)}">[${fmt(b.ci_low[i][j])}, ${fmt(b.ci_high[i][j])}]</td>`).join('')}</tr>`).join('');
    parts.push(`<h3>Bootstrap over particles (${b.resamples} resamples)</h3><table id="bootstrap-table"><tr><th class="text">from \\ to</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr>${rows}</table><p class="note">Intervals when whole particles are resampled: wider than the posterior above when particles behave differently.</p>`);
  }
  const rates = t.rates as Record<string, unknown> | null | undefined;
  if (rates) {
    const cs = rates.cross_section_barn as Array<Array<number | null>>;
    const lo = rates.cross_section_ci_low as Array<Array<number | null>>;
    const hi = rates.cross_section_ci_high as Array<Array<number | null>>;
    const k = rates.rate_per_s as Array<Array<number | null>>;
    const rows: string[] = [];
    names.forEach((from, i) => names.forEach((to, j) => {
      if (i === j || (t.counts as number[][])[i][j] === 0) return;
      rows.push(`<tr data-from="${esc(from)}" data-to="${esc(to)}"><td class="text">${esc(from)} → ${esc(to)}</td><td>${fmt(k[i][j], 4)}</td><td data-sigma="${cs[i][j] ?? ''}">${fmt(cs[i][j], 3)}</td><td>[${fmt(lo[i][j], 3)}, ${fmt(hi[i][j], 3)}]</td></tr>`);
    }));
    parts.push(`<h3>Beam-induced rates</h3><p>Electron flux ${fmt(rates.flux_e_per_A2_s as number, 4)} e⁻/Å²/s, dose per frame ${fmt(rates.dose_per_frame_e_per_A2 as number, 4)} e⁻/Å².</p><table id="rates-table"><tr><th class="text">transition</th><th>rate (1/s)</th><th>cross-section (barn)</th><th>95 % interval (barn)</th></tr>${rows.join('')}</table>`);
  }
  type CkStepJson = Parameters<typeof ckSpec>[0][number] & { k: number; passed: boolean; failures: Array<{ from: string; to: string; z: number }> };
  const ck = t.chapman_kolmogorov as { passed: boolean | null; critical_z: number; compared: number; steps: CkStepJson[] } | null | undefined;
  if (ck) {
    const verdict = ck.passed === null ? 'not enough data to compare' : ck.passed ? 'passed' : 'FAILED';
    const fails = ck.steps.flatMap((s) => s.failures.map((x) => `${x.from} → ${x.to} at ${s.k}τ (z = ${fmt(x.z, 2)})`));
    parts.push(`<h3>Chapman-Kolmogorov test: <span id="ck-verdict" data-passed="${ck.passed}">${verdict}</span></h3><p class="note">P(τ)<sup>k</sup> from the model against P(kτ) estimated directly, for k up to ${ck.steps.length}; ${ck.compared} entries compared, each must stay within |z| ≤ ${fmt(ck.critical_z, 2)} (95 % family-wise, Bonferroni).${fails.length ? ` Out of tolerance: ${esc(fails.join('; '))}.` : ''}</p>`);
    if (ck.steps.length > 1) parts.push(`<div class="chart" data-chart="ck">${await renderVegaLite(ckSpec(ck.steps, names))}</div>`);
  }
  for (const w of (t.warnings as string[] | undefined) ?? []) parts.push(`<div class="warn">${esc(w)}</div>`);
  return { id: 'kinetics', title: 'Transition probabilities', html: parts.join('\n') };
}

async function timelineSection(f: RunFolder, names: string[], max: number): Promise<Section | null> {
  const c = f.configurations;
  if (!c || !c.rows.length || !c.columns.includes('particle')) return null;
  const per = new Map<number, Array<{ frame: number; state: string }>>();
  for (const r of c.rows) {
    const name = nameOf(r);
    if (name === null || typeof r.particle !== 'number') continue;
    if (!per.has(r.particle)) per.set(r.particle, []);
    per.get(r.particle)!.push({ frame: num(r.frame), state: name });
  }
  const ordered = [...per.entries()].sort((a, b) => b[1].length - a[1].length);
  const shown = ordered.slice(0, max).sort((a, b) => a[0] - b[0]);
  const runs: Array<{ particle: string; start: number; end: number; state: string }> = [];
  for (const [p, obs] of shown) {
    obs.sort((a, b) => a.frame - b.frame);
    let start = obs[0].frame, prev = obs[0];
    for (let k = 1; k <= obs.length; k++) {
      const o = obs[k];
      if (!o || o.state !== prev.state || o.frame !== prev.frame + 1) {
        runs.push({ particle: String(p), start, end: prev.frame + 1, state: prev.state });
        if (o) start = o.frame;
      }
      if (o) prev = o;
    }
  }
  const particles = shown.map(([p]) => String(p));
  const svg = await renderVegaLite(timelineSpec(runs, names, particles));
  const note = ordered.length > shown.length ? ` The ${shown.length} longest of ${ordered.length} trajectories are shown.` : '';
  return { id: 'timelines', title: 'State timelines', html: `<div class="chart" data-chart="timelines" data-particles="${shown.length}">${svg}</div><p class="note">One row per particle; white gaps are frames in which it was not observed.${note}</p>` };
}

async function dwellSection(f: RunFolder): Promise<Section | null> {
  const runs = f.transitions?.dwell_runs as Array<{ complete: number[]; censored: number[] }> | undefined;
  if (!runs || !runs.some((r) => r.complete.length + r.censored.length)) return null;
  const svg = await renderVegaLite(dwellSpec(runs, f.transitions!.states as string[]));
  return { id: 'dwell', title: 'Dwell times', html: `<div class="chart" data-chart="dwell">${svg}</div><p class="note">Lengths of uninterrupted periods in each state. Grey periods were cut short by the end of a track; the mean dwell times in the table above count them as censored (exits / time observed), so they are not biased short.</p>` };
}

async function timescalesSection(f: RunFolder): Promise<Section | null> {
  const its = f.transitions?.implied_timescales as Parameters<typeof timescalesSpec>[0] | undefined;
  if (!its || !its.lags.length || !its.timescales_frames.some((t) => t.length)) return null;
  const svg = await renderVegaLite(timescalesSpec(its));
  return { id: 'timescales', title: 'Implied timescales', html: `<div class="chart" data-chart="timescales">${svg}</div><p class="note">t = −τ / ln|λ| of the transition matrix at each lag τ, with 95 % intervals. For Markovian kinetics they level off; below the dashed line (t &lt; τ) processes are faster than the lag and cannot be resolved.</p>` };
}

function eventsSection(f: RunFolder, max: number): Section | null {
  const e = f.events;
  if (!e) return null;
  if (!e.rows.length) return { id: 'events', title: 'Events', html: '<p>No change of state was observed.</p>' };
  const hasPm = e.rows.some((r) => typeof r.x_pm === 'number');
  const rows = e.rows.slice(0, max).map((r, k) => {
    const crops = f.figures.crops.get(`${r.frame}_${r.particle}`) ?? [];
    const pics = crops.map((c) => img(c, `event at frame ${r.frame}, particle ${r.particle}`, 160)).join(' ');
    const pos = hasPm ? `${fmt(r.x_pm, 1)}, ${fmt(r.y_pm, 1)} pm` : `${fmt(r.x, 1)}, ${fmt(r.y, 1)} px`;
    return `<tr data-event="${k}" data-frame="${esc(r.frame)}" data-particle="${esc(r.particle)}"><td>${esc(r.frame)}</td><td>${esc(r.particle)}</td><td class="text">${esc(r.from)} → ${esc(r.to)}</td><td>${pos}</td><td class="text">${pics || '<span class="note">–</span>'}</td></tr>`;
  }).join('\n');
  const more = e.rows.length > max ? `<p class="note">First ${max} of ${e.rows.length} events; all are in events.csv.</p>` : '';
  return { id: 'events', title: 'Events', html: `<table class="events" id="event-table"><tr><th>frame</th><th>particle</th><th class="text">change</th><th>position</th><th class="text">crop</th></tr>\n${rows}</table>${more}` };
}

function reproduceSection(f: RunFolder): Section {
  const chain = runChain(f.run);
  const analyze = chain.find((r) => r.step === 'analyze');
  const cmds = (analyze ? [analyze] : chain).filter((r) => r.command?.length).map((r) => `atomdyn ${r.command.map(shellQuote).join(' ')}`);
  const html = cmds.length
    ? `<pre class="cmd" id="reproduce">${esc(cmds.join('\n'))}</pre><p class="note">Seeds and settings are recorded in each step's run.json; the same commands with the same versions (${esc(Object.entries(chain[chain.length - 1]?.versions ?? {}).map(([k, v]) => `${k} ${v}`).join(', '))}) give the same files.</p>`
    : '<p class="note">No run.json with a command was found in this folder.</p>';
  return { id: 'reproduce', title: 'Reproduce', html };
}

/**
 * Build DIR/report.html from the files in DIR.
 * @param runDir run folder
 * @param opts output path and table limits
 * @returns the path of the written report
 * @throws AtomdynError when the folder does not exist or one of its files is malformed
 */
export async function buildReport(runDir: string, opts: ReportOptions = {}): Promise<string> {
  const f = readRunFolder(runDir);
  const names = stateNames(f);
  const sections: Section[] = [summarySection(f)];
  const add = (s: Section | null) => { if (s) sections.push(s); };
  add(atomsSection(f));
  add(await driftSection(f));
  const hasConfigurations = !!f.configurations && f.configurations.rows.some((r) => typeof r.state === 'number');
  if (!hasConfigurations && !f.transitions) {
    sections.push({
      id: 'kinetics', title: 'Configurations and kinetics',
      html: `<div class="empty" id="no-configurations">No configurations were found: ${f.configurations ? 'configurations.csv has no classified centre' : 'there is no configurations.csv'}, so this movie shows no dopant or defect centres to classify (for example a pristine lattice). There are no states, transition probabilities or events to report; the atoms, tracks and drift above are complete.</div>`,
    });
  } else {
    add(classesSection(f, names));
    add(await kineticsSection(f));
    if (!f.transitions) sections.push({ id: 'kinetics', title: 'Transition probabilities', html: '<p class="note">No transitions.json in this folder: run <code>atomdyn transitions configurations.csv --out DIR</code>.</p>' });
    add(await timelineSection(f, names, opts.maxTimelines ?? 80));
    add(await dwellSection(f));
    add(await timescalesSection(f));
    add(eventsSection(f, opts.maxEvents ?? 300));
  }
  if (f.figures.other.length) sections.push({ id: 'figures', title: 'Other figures', html: f.figures.other.map((p) => figure(p, path.basename(p))).join('\n') });
  sections.push(reproduceSection(f));
  const chain = runChain(f.run);
  const source = chain[chain.length - 1]?.source ?? chain[0]?.source;
  const title = `atomdyn report: ${source ? path.basename(source) : path.basename(finalPath(f.dir))}`;
  const subtitle = `${chain.length ? chain.map((r) => r.step).join(' → ') : 'run'} · built ${new Date().toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  const out = path.resolve(opts.out ?? path.join(f.dir, 'report.html'));
  await writeFileAtomic(out, page(title, subtitle, sections));
  return out;
}
