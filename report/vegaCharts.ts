/**
 * Static SVG charts for the report, from Vega-Lite specifications rendered server-side by Vega
 * (`new vega.View(vega.parse(spec), { renderer: 'none' }).toSVG()`; Satyanarayan et al., IEEE TVCG
 * 23, 341 (2017)). The SVG is inlined in the page: no script runs in the browser.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { STATE_COLOURS } from './htmlPage.ts';

/**
 * Render a Vega-Lite spec to an SVG string (data must be inline).
 * @param spec Vega-Lite specification
 */
export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const base = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: { font: 'DejaVu Sans, sans-serif', view: { stroke: '#d9dee3' } } } as const;

/** Colour scale of states, shared by all charts. */
export function stateScale(names: readonly string[]) {
  return { domain: [...names], range: names.map((_, i) => STATE_COLOURS[i % STATE_COLOURS.length]) };
}

/**
 * Drift against frame.
 * @param rows frame, dx, dy (in `unit`)
 * @param unit 'px' or 'pm'
 */
export function driftSpec(rows: Array<{ frame: number; dx: number; dy: number }>, unit: string, quantity = 'drift'): TopLevelSpec {
  return {
    ...base,
    width: 560, height: 220,
    data: { values: rows.flatMap((r) => [{ frame: r.frame, axis: 'dx', value: r.dx }, { frame: r.frame, axis: 'dy', value: r.dy }]) },
    mark: { type: 'line', point: rows.length <= 80 },
    encoding: {
      x: { field: 'frame', type: 'quantitative', title: 'frame' },
      y: { field: 'value', type: 'quantitative', title: `${quantity} (${unit})` },
      color: { field: 'axis', type: 'nominal', title: null, scale: { range: ['#2b6cb0', '#dd6b20'] } },
    },
  };
}

/** Frames to display time: `of` converts, `title` labels an axis (report/reportContext.ts TimeAxis). */
export interface ChartTime {
  of(frames: number): number;
  title(what: string): string;
}

const FRAMES: ChartTime = { of: (f) => f, title: (w) => `${w} (frames)` };

/**
 * BIC against the number of classes, the chosen K marked.
 * @param curve model.json `bic`: k, bic per K tried
 * @param chosen the K used
 */
export function bicSpec(curve: Array<{ k: number; bic: number }>, chosen: number): TopLevelSpec {
  const values = curve.map((c) => ({ k: c.k, bic: c.bic, chosen: c.k === chosen ? 'chosen K' : 'tried' }));
  return {
    ...base,
    width: 360, height: 200,
    data: { values },
    layer: [
      { mark: { type: 'line', color: '#2b6cb0' }, encoding: { x: { field: 'k', type: 'quantitative', title: 'number of classes K', axis: { tickMinStep: 1, format: 'd' } }, y: { field: 'bic', type: 'quantitative', title: 'BIC', scale: { zero: false } } } },
      { mark: { type: 'point', filled: true, size: 70 }, encoding: { x: { field: 'k', type: 'quantitative' }, y: { field: 'bic', type: 'quantitative' }, color: { field: 'chosen', type: 'nominal', title: null, scale: { domain: ['tried', 'chosen K'], range: ['#2b6cb0', '#e15759'] } } } },
    ],
  };
}

/**
 * Histograms of dwell-period lengths per state, completed periods and periods cut short by the end
 * of a track stacked.
 * @param time frames to the displayed unit (default frames)
 */
export function dwellSpec(runs: Array<{ complete: number[]; censored: number[] }>, names: readonly string[], time: ChartTime = FRAMES): TopLevelSpec {
  const values = runs.flatMap((r, i) => [
    ...r.complete.map((f) => ({ state: names[i], frames: time.of(f), period: 'ended by a change' })),
    ...r.censored.map((f) => ({ state: names[i], frames: time.of(f), period: 'cut by track end (censored)' })),
  ]);
  return {
    ...base,
    data: { values },
    facet: { field: 'state', type: 'nominal', title: null, sort: [...names] },
    columns: 3,
    spec: {
      width: 230, height: 140,
      mark: 'bar',
      encoding: {
        x: { field: 'frames', type: 'quantitative', bin: { maxbins: 20 }, title: time.title('dwell period') },
        y: { aggregate: 'count', type: 'quantitative', title: 'periods', axis: { tickMinStep: 1, format: 'd' } },
        color: { field: 'period', type: 'nominal', title: null, scale: { domain: ['ended by a change', 'cut by track end (censored)'], range: ['#4e79a7', '#bab0ac'] }, legend: { labelLimit: 260 } },
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

/**
 * Implied timescales against the lag, with intervals and the dashed t = lag line below which nothing is resolved.
 * @param time frames to the displayed unit (default frames)
 */
export function timescalesSpec(its: { lags: number[]; timescales_frames: number[][]; ci_low: Array<Array<number | null>>; ci_high: Array<Array<number | null>> }, time: ChartTime = FRAMES): TopLevelSpec {
  const values: Array<Record<string, unknown>> = [];
  const T = (v: number | null | undefined) => (v === null || v === undefined ? null : time.of(v));
  its.lags.forEach((lag, l) => (its.timescales_frames[l] ?? []).forEach((t, k) => {
    if (t === null || !Number.isFinite(t)) return;
    values.push({ lag: time.of(lag), process: `t${k + 2}`, t: time.of(t), lo: T(its.ci_low[l]?.[k]) ?? time.of(t), hi: T(its.ci_high[l]?.[k]) ?? time.of(t) });
  }));
  const lagLine = its.lags.map((lag) => ({ lag: time.of(lag), t: time.of(lag) }));
  return {
    ...base,
    width: 480, height: 260,
    layer: [
      { data: { values: lagLine }, mark: { type: 'line', color: '#9aa5b1', strokeDash: [5, 4] }, encoding: { x: { field: 'lag', type: 'quantitative' }, y: { field: 't', type: 'quantitative', scale: { type: 'log' } } } },
      {
        data: { values },
        layer: [
          { mark: { type: 'rule' }, encoding: { x: { field: 'lag', type: 'quantitative', title: time.title('lag τ') }, y: { field: 'lo', type: 'quantitative', scale: { type: 'log' }, title: time.title('implied timescale') }, y2: { field: 'hi' }, color: { field: 'process', type: 'nominal', title: null } } },
          { mark: { type: 'line', point: true }, encoding: { x: { field: 'lag', type: 'quantitative' }, y: { field: 't', type: 'quantitative', scale: { type: 'log' } }, color: { field: 'process', type: 'nominal', title: null } } },
        ],
      },
    ],
  };
}

/**
 * State timelines: one row per particle, one bar per run of equal state (gaps left blank).
 * @param runs particle, first frame, end frame (exclusive), state name
 * @param time frames to the displayed unit (default frames)
 */
export function timelineSpec(runs: Array<{ particle: string; start: number; end: number; state: string }>, names: readonly string[], particles: string[], time: ChartTime = FRAMES): TopLevelSpec {
  return {
    ...base,
    width: 640, height: Math.max(60, Math.min(900, 14 * particles.length)),
    data: { values: runs.map((r) => ({ ...r, start: time.of(r.start), end: time.of(r.end) })) },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'start', type: 'quantitative', title: time.title('time') },
      x2: { field: 'end' },
      y: { field: 'particle', type: 'ordinal', title: 'particle', sort: particles },
      color: { field: 'state', type: 'nominal', title: 'state', scale: stateScale(names) },
    },
  };
}

/**
 * Chapman-Kolmogorov test: probability of still (again) being in the start state after k lags,
 * predicted from the model against estimated from the data, with intervals.
 */
export function ckSpec(steps: Array<{ lag: number; predicted: number[][]; estimated: number[][]; predicted_ci_low: number[][]; predicted_ci_high: number[][]; estimated_ci_low: number[][]; estimated_ci_high: number[][] }>, names: readonly string[]): TopLevelSpec {
  const values: Array<Record<string, unknown>> = [];
  const step = steps[0]?.lag ?? 1;
  for (const s of steps) names.forEach((name, i) => {
    const add = (kind: string, p: number | null, lo: number | null, hi: number | null) => {
      if (p === null) return;
      // model and estimate side by side around the lag
      const lag = s.lag + (kind.startsWith('model') ? -0.1 : 0.1) * step;
      values.push({ state: name, lag, kind, p, lo: lo ?? p, hi: hi ?? p });
    };
    add('model P(τ)^k', s.predicted[i][i], s.predicted_ci_low[i][i], s.predicted_ci_high[i][i]);
    add('estimated P(kτ)', s.estimated[i][i], s.estimated_ci_low[i][i], s.estimated_ci_high[i][i]);
  });
  return {
    ...base,
    data: { values },
    facet: { field: 'state', type: 'nominal', title: null, sort: [...names] },
    columns: 3,
    spec: {
      width: 220, height: 150,
      layer: [
        { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x: { field: 'lag', type: 'quantitative', title: 'lag (frames)', axis: { tickMinStep: step, format: 'd' } }, y: { field: 'lo', type: 'quantitative', title: 'P(stay/return)', scale: { domain: [0, 1] } }, y2: { field: 'hi' }, color: { field: 'kind', type: 'nominal', title: null, scale: { range: ['#2b6cb0', '#dd6b20'] } } } },
        { mark: { type: 'point', filled: true }, encoding: { x: { field: 'lag', type: 'quantitative' }, y: { field: 'p', type: 'quantitative' }, color: { field: 'kind', type: 'nominal', title: null } } },
      ],
    },
  };
}
