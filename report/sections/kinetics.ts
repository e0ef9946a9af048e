/**
 * Report sections of the kinetics: "Transition probabilities" (matrix heat map with intervals, state
 * table, connected sets, bootstrap, beam-induced rates, Chapman-Kolmogorov test), "State timelines",
 * "Dwell times", "Implied timescales" and "Events". Times are in seconds where the frame time is
 * known, else in frames (ctx.time). A single image has none of them; a movie whose configurations
 * were classified but not yet counted gets the command that would count them.
 */
import { esc, fmt, img } from '../htmlPage.ts';
import { stateTable, transitionMatrixTable } from '../matrixTable.ts';
import { ckSpec, dwellSpec, renderVegaLite, timelineSpec, timescalesSpec } from '../vegaCharts.ts';
import { stateNameOf, type ReportContext, type SectionBuilder } from '../reportContext.ts';

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

async function kineticsHtml(ctx: ReportContext): Promise<string | null> {
  const t = ctx.folder.transitions;
  if (!t) return null;
  const names = t.states as string[];
  const parts: string[] = [];
  const lagS = t.lag_time_s as number | null | undefined;
  parts.push(`<p>Lag τ = ${esc(t.lag)} frame(s)${lagS ? ` (${fmt(lagS, 3)} s)` : ''}; ${esc(t.counting)} counting; ${t.reversible ? 'reversible (detailed balance imposed)' : 'non-reversible'} maximum-likelihood estimate from ${esc(t.n_trajectories)} particles, ${esc(t.n_pairs)} frame pairs.</p>`);
  parts.push(transitionMatrixTable(t));
  parts.push(stateTable(t, ctx.time.frameTimeS));
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
  return parts.join('\n');
}

/** Present with transitions.json; for a classified movie without it, says how to make it. */
export const kineticsSection: SectionBuilder = {
  id: 'kinetics',
  async build(ctx) {
    const html = await kineticsHtml(ctx);
    if (html) return { id: 'kinetics', title: 'Transition probabilities', html };
    const classified = ctx.folder.configurations?.rows.some((r) => typeof r.state === 'number');
    if (!classified || ctx.frameCount < 2) return null;
    return { id: 'kinetics', title: 'Transition probabilities', html: '<p class="note">No transitions.json in this folder: run <code>atomdyn transitions configurations.csv --out DIR</code>.</p>' };
  },
};

/** One row per particle (the longest `maxTimelines`), a bar per run of equal state. */
export const timelinesSection: SectionBuilder = {
  id: 'timelines',
  async build(ctx) {
    const c = ctx.folder.configurations;
    if (!c || !c.rows.length || !c.columns.includes('particle') || ctx.frameCount < 2) return null;
    const max = ctx.options.maxTimelines ?? 80;
    const per = new Map<number, Array<{ frame: number; state: string }>>();
    for (const r of c.rows) {
      const name = stateNameOf(r);
      if (name === null || typeof r.particle !== 'number') continue;
      if (!per.has(r.particle)) per.set(r.particle, []);
      per.get(r.particle)!.push({ frame: num(r.frame), state: name });
    }
    if (!per.size) return null;
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
    const svg = await renderVegaLite(timelineSpec(runs, ctx.stateNames, particles, ctx.time));
    const note = ordered.length > shown.length ? ` The ${shown.length} longest of ${ordered.length} trajectories are shown.` : '';
    const unit = ctx.time.unit === 's' ? `time in s (${fmt(ctx.time.frameTimeS, 4)} s per frame)` : 'time in frames (frame time unknown)';
    return { id: 'timelines', title: 'State timelines', html: `<div class="chart" data-chart="timelines" data-particles="${shown.length}">${svg}</div><p class="note">One row per particle, ${unit}; white gaps are frames in which it was not observed.${note}</p>` };
  },
};

/** Histograms of uninterrupted periods per state. */
export const dwellSection: SectionBuilder = {
  id: 'dwell',
  async build(ctx) {
    const runs = ctx.folder.transitions?.dwell_runs as Array<{ complete: number[]; censored: number[] }> | undefined;
    if (!runs || !runs.some((r) => r.complete.length + r.censored.length)) return null;
    const svg = await renderVegaLite(dwellSpec(runs, ctx.folder.transitions!.states as string[], ctx.time));
    return { id: 'dwell', title: 'Dwell times', html: `<div class="chart" data-chart="dwell">${svg}</div><p class="note">Lengths of uninterrupted periods in each state (${ctx.time.unit === 's' ? 'seconds' : 'frames: the frame time is unknown'}). Grey periods were cut short by the end of a track; the mean dwell times in the table above count them as censored (exits / time observed), so they are not biased short.</p>` };
  },
};

/** Implied timescales against the lag. */
export const timescalesSection: SectionBuilder = {
  id: 'timescales',
  async build(ctx) {
    const its = ctx.folder.transitions?.implied_timescales as Parameters<typeof timescalesSpec>[0] | undefined;
    if (!its || !its.lags.length || !its.timescales_frames.some((t) => t.length)) return null;
    const svg = await renderVegaLite(timescalesSpec(its, ctx.time));
    return { id: 'timescales', title: 'Implied timescales', html: `<div class="chart" data-chart="timescales">${svg}</div><p class="note">t = −τ / ln|λ| of the transition matrix at each lag τ, with 95 % intervals. For Markovian kinetics they level off; below the dashed line (t &lt; τ) processes are faster than the lag and cannot be resolved.</p>` };
  },
};

function eventsHtml(ctx: ReportContext): string | null {
  const f = ctx.folder;
  const max = ctx.options.maxEvents ?? 300;
  const e = f.events;
  if (!e) return null;
  if (!e.rows.length) return '<p>No change of state was observed.</p>';
  const hasPm = e.rows.some((r) => typeof r.x_pm === 'number');
  const rows = e.rows.slice(0, max).map((r, k) => {
    const crops = f.figures.crops.get(`${r.frame}_${r.particle}`) ?? [];
    const pics = crops.map((c) => img(c, `event at frame ${r.frame}, particle ${r.particle}`, 160)).join(' ');
    const pos = hasPm ? `${fmt(r.x_pm, 1)}, ${fmt(r.y_pm, 1)} pm` : `${fmt(r.x, 1)}, ${fmt(r.y, 1)} px`;
    return `<tr data-event="${k}" data-frame="${esc(r.frame)}" data-particle="${esc(r.particle)}"><td>${esc(r.frame)}</td>${ctx.time.unit === 's' ? `<td>${fmt(ctx.time.of(num(r.frame)), 3)}</td>` : ''}<td>${esc(r.particle)}</td><td class="text">${esc(r.from)} → ${esc(r.to)}</td><td>${pos}</td><td class="text">${pics || '<span class="note">–</span>'}</td></tr>`;
  }).join('\n');
  const more = e.rows.length > max ? `<p class="note">First ${max} of ${e.rows.length} events; all are in events.csv.</p>` : '';
  return `<table class="events" id="event-table"><tr><th>frame</th>${ctx.time.unit === 's' ? '<th>time (s)</th>' : ''}<th>particle</th><th class="text">change</th><th>position</th><th class="text">frames before and of the change (centre atom ringed, its bonds drawn)</th></tr>\n${rows}</table>${more}`;
}

/** The events table with crops. */
export const eventsSection: SectionBuilder = {
  id: 'events',
  build(ctx) {
    const html = eventsHtml(ctx);
    return html === null ? null : { id: 'events', title: 'Events', html };
  },
};
