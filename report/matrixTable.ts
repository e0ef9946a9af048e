/**
 * The transition matrix as an HTML heat map: one cell per (from, to) with the probability, its
 * interval and the count, shaded by probability. Every number the reader sees is also on the cell
 * as a data attribute with full precision (`data-from`, `data-to`, `data-p`, `data-ci-low`,
 * `data-ci-high`, `data-count`), so a test (or a script) can check the page against transitions.json.
 */
import { esc, fmt } from './htmlPage.ts';

type Num = number | null;

/** Shade of a probability: white (0) to deep blue (1), with readable text. */
function shade(p: number): { bg: string; fg: string } {
  const t = Math.sqrt(Math.max(0, Math.min(1, p)));
  const r = Math.round(255 + (33 - 255) * t), g = Math.round(255 + (102 - 255) * t), b = Math.round(255 + (172 - 255) * t);
  return { bg: `rgb(${r},${g},${b})`, fg: t > 0.6 ? '#fff' : '#1d232a' };
}

const attr = (v: Num | undefined) => (v === null || v === undefined ? '' : String(v));

/**
 * Heat-map table of a transition matrix.
 * @param t transitions.json content: states, counts, matrix, ci_low, ci_high, ci_level
 * @returns HTML (a table with id "transition-matrix")
 */
export function transitionMatrixTable(t: Record<string, unknown>): string {
  const states = t.states as string[];
  const P = t.matrix as Num[][];
  const C = t.counts as Num[][];
  const lo = t.ci_low as Num[][];
  const hi = t.ci_high as Num[][];
  const level = Math.round(100 * ((t.ci_level as number | undefined) ?? 0.95));
  const head = `<tr><th class="text">from \\ to</th>${states.map((s) => `<th data-state="${esc(s)}">${esc(s)}</th>`).join('')}<th>counts out</th></tr>`;
  const rows = states.map((from, i) => {
    const rowCount = (C[i] ?? []).reduce<number>((a, b) => a + (b ?? 0), 0);
    const cells = states.map((to, j) => {
      const p = P[i]?.[j] ?? null;
      const base = `data-from="${esc(from)}" data-to="${esc(to)}" data-p="${attr(p)}" data-ci-low="${attr(lo[i]?.[j])}" data-ci-high="${attr(hi[i]?.[j])}" data-count="${attr(C[i]?.[j])}"`;
      if (p === null) return `<td class="cell unknown" ${base} title="never observed leaving ${esc(from)}"><span class="p">?</span><br><span class="n">no data</span></td>`;
      const { bg, fg } = shade(p);
      return `<td class="cell" ${base} style="background:${bg};color:${fg}"><span class="p">${fmt(p)}</span><br><span class="ci">[${fmt(lo[i]?.[j])}, ${fmt(hi[i]?.[j])}]</span><br><span class="n">n = ${fmt(C[i]?.[j], 2)}</span></td>`;
    }).join('');
    return `<tr><th class="text" data-state="${esc(from)}">${esc(from)}</th>${cells}<td data-row-count="${rowCount}">${fmt(rowCount, 2)}</td></tr>`;
  }).join('\n');
  return `<table class="matrix" id="transition-matrix" data-lag="${attr(t.lag as Num)}">
<caption class="note" style="caption-side:bottom;text-align:left">Cell: maximum-likelihood probability of being in the column state ${esc(t.lag)} frame(s) after being in the row state; [${level} % interval]; n = transition count (${esc(t.counting ?? 'sliding')} counting). Hatched rows: state never observed leaving.</caption>
${head}
${rows}
</table>`;
}

/**
 * Per-state table: stationary probability and mean dwell time, with intervals; the dwell time in
 * seconds where the frame time is known (frames beside it), else in frames, labelled.
 * @param t transitions.json content
 * @param frameTimeS seconds per frame (default: transitions.json `frame_time_s`), null when unknown
 */
export function stateTable(t: Record<string, unknown>, frameTimeS?: number | null): string {
  const states = t.states as string[];
  const pi = t.stationary as Num[] | null;
  const piLo = t.stationary_ci_low as Num[] | null;
  const piHi = t.stationary_ci_high as Num[] | null;
  const dwell = (t.dwell_frames as Num[] | undefined) ?? [];
  const dLo = (t.dwell_ci_low as Num[] | undefined) ?? [];
  const dHi = (t.dwell_ci_high as Num[] | undefined) ?? [];
  const trials = (t.dwell_trials as Num[] | undefined) ?? [];
  const exits = (t.dwell_exits as Num[] | undefined) ?? [];
  const ftRaw = frameTimeS === undefined ? (t.frame_time_s as number | null | undefined) : frameTimeS;
  const ft = ftRaw && ftRaw > 0 ? ftRaw : null;
  const k = ft ?? 1;
  const digits = ft ? 2 : 1;
  const rows = states.map((s, i) => {
    const d = dwell[i];
    const inFrames = d === null || d === undefined ? `≥ ${fmt(trials[i])} frames` : `${fmt(d, 1)} frames`;
    const dwellText = d === null || d === undefined
      ? `≥ ${fmt((trials[i] ?? NaN) * k, digits)} (no exit seen)`
      : `${fmt(d * k, digits)} [${fmt((dLo[i] ?? NaN) * k, digits)}, ${fmt((dHi[i] ?? NaN) * k, digits)}]`;
    return `<tr data-state="${esc(s)}"><th class="text">${esc(s)}</th>` +
      `<td data-pi="${attr(pi?.[i])}">${pi ? `${fmt(pi[i])} [${fmt(piLo?.[i])}, ${fmt(piHi?.[i])}]` : '–'}</td>` +
      `<td data-dwell="${attr(d)}">${dwellText}${ft ? ` <span class="note">(${inFrames})</span>` : ''}</td><td>${fmt(exits[i])}</td></tr>`;
  }).join('\n');
  return `<table id="state-table"><tr><th class="text">state</th><th>stationary probability</th><th>mean dwell (${ft ? 's' : 'frames'}) [95 % interval]</th><th>exits seen</th></tr>\n${rows}</table>`;
}
