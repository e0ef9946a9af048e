/**
 * Torn scan rows: rows of a frame whose content is shifted along the fast scan direction (x) against
 * a model of the frame, as a scan glitch shifts a block of 1-10 rows by a pixel or more (a torn line).
 * A column crossed by such rows is partly drawn elsewhere: its amplitude at its site falls (a W column
 * of WSe2 torn by 1.5 px reads 0.5-0.6 of the host, like a Mo dopant), and its located atom sits
 * off its lattice site. Such columns are not read (inference/latticeSites.ts) rather than misread.
 *
 * Per row y, the shift s_y that best maps the model row m onto the data row d, d(x) ~ m(x - s_y),
 * by Gauss-Newton on the row's sum of squares (m between pixels by linear interpolation; start 0,
 * {@link ROW_SHIFT_ITERATIONS} steps, each clipped to a pixel). Its standard error is
 * σ / sqrt(Σ_x m'(x - s_y)^2), σ the residual standard deviation per pixel (the median over the rows of
 * each row's root-mean-square residual against the model: robust to the torn rows themselves), times the
 * shifts' overdispersion when above 1: 1.4826 x the median absolute deviation of s_y over its standard
 * error across the rows (a real frame's line jitter, or a model that misses the probe's shape, scatters
 * every row's shift more than pixel noise does; a tear must stand out of that scatter). A row
 * is torn when |s_y| >= `minShiftPx` and |s_y| / its standard error >= `minZ`: the shift must matter to
 * the reading and stand out of the noise; gaps of at most `fillGapRows` rows between torn rows shifted
 * the same way are torn too (a row between two rows of columns carries little of the shift). (Slow scan wobble, a fraction of a pixel over tens of rows,
 * stays below `minShiftPx`; the site fit follows the slow part.)
 */
import { AtomdynError } from '../data/errors.ts';

/** Gauss-Newton steps per row. */
export const ROW_SHIFT_ITERATIONS = 6;

/** Options of {@link tornRows}. */
export interface TornRowOptions {
  /** Smallest shift that makes a row torn, px (> 0). */
  minShiftPx: number;
  /** Smallest shift over its standard error that makes a row torn; default 4. */
  minZ?: number;
  /** Rows between two torn rows whose shifts have the same sign, at most this many, are torn too; default 2. */
  fillGapRows?: number;
}

/** Result of {@link tornRows}. */
export interface TornRows {
  /** Fitted x shift of each row against the model, px (data(x) ~ model(x - shift)). */
  shiftPx: Float64Array;
  /** Standard error of each row's shift, px (Infinity where the model row is flat). */
  shiftSePx: Float64Array;
  /** 1 for a torn row, else 0. */
  torn: Uint8Array;
  /** Residual standard deviation per pixel against the model (median of the rows'). */
  noise: number;
  /** Overdispersion of the shifts (>= 1), by which `shiftSePx` was scaled (module comment). */
  dispersion: number;
}

const median = (v: number[]) => {
  const s = [...v].sort((p, q) => p - q);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

/**
 * Per-row x shifts of a frame against its model, and the torn rows (module comment).
 * @param frame float32 `[height * width]`, row-major (the data)
 * @param model float32 `[height * width]` (e.g. inference/columnAmplitudes.ts `keepModel`)
 * @throws AtomdynError('model') when the model's size is not the frame's; AtomdynError('minShiftPx') for a shift <= 0
 */
export function tornRows(frame: ArrayLike<number>, model: ArrayLike<number>, height: number, width: number, opts: TornRowOptions): TornRows {
  if (model.length !== frame.length || frame.length !== height * width) throw new AtomdynError('model', `the model has ${model.length} pixels, the frame ${frame.length} (${height} x ${width})`);
  if (!(opts.minShiftPx > 0)) throw AtomdynError.forOption('minShiftPx', `the smallest torn shift must be a positive number of px, got ${opts.minShiftPx}`);
  const minZ = opts.minZ ?? 4;
  const shiftPx = new Float64Array(height), shiftSePx = new Float64Array(height).fill(Infinity), torn = new Uint8Array(height);
  const rms = new Float64Array(height);
  const gradSq = new Float64Array(height);
  // model row at x - s (linear interpolation, clamped at the ends) and its slope
  const at = (row: number, x: number): [number, number] => {
    const t = Math.min(width - 1, Math.max(0, x));
    const i = Math.min(width - 2, Math.floor(t)), f = t - i;
    const a = model[row + i], b = model[row + i + 1];
    return [a + f * (b - a), b - a];
  };
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let s = 0;
    for (let it = 0; it < ROW_SHIFT_ITERATIONS && width >= 3; it++) {
      // d(x) - m(x - s) ~ -m'(x - s) ds
      let num = 0, den = 0;
      for (let x = 1; x < width - 1; x++) {
        const [m, g] = at(row, x - s);
        num -= (frame[row + x] - m) * g;
        den += g * g;
      }
      if (!(den > 0)) break;
      const ds = Math.max(-1, Math.min(1, num / den));
      s += ds;
      if (Math.abs(ds) < 1e-3) break;
    }
    let ss = 0, gg = 0;
    for (let x = 0; x < width; x++) {
      const [m, g] = at(row, x - s);
      ss += (frame[row + x] - m) ** 2;
      gg += g * g;
    }
    shiftPx[y] = s;
    rms[y] = Math.sqrt(ss / width);
    gradSq[y] = gg;
  }
  const noise = median(Array.from(rms));
  for (let y = 0; y < height; y++) if (gradSq[y] > 0) shiftSePx[y] = noise / Math.sqrt(gradSq[y]);
  // overdispersion: the robust spread of the shifts over their standard errors, over all rows (1 when
  // the rows scatter as white pixel noise predicts; more on a real frame with line jitter or a model
  // that misses the probe's shape), scales the standard errors when above 1
  const u = Array.from(shiftPx, (v, y) => v / shiftSePx[y]).filter(Number.isFinite);
  const medU = median(u);
  const dispersion = u.length >= 8 ? Math.max(1, 1.4826 * median(u.map((v) => Math.abs(v - medU)))) : 1;
  for (let y = 0; y < height; y++) {
    shiftSePx[y] *= dispersion;
    if (Math.abs(shiftPx[y]) >= opts.minShiftPx && Math.abs(shiftPx[y]) >= minZ * shiftSePx[y]) torn[y] = 1;
  }
  // a tear is a block of rows: a row that lies between columns carries little of the shift and can miss
  // the test inside a torn block; short gaps between torn rows shifted the same way are filled
  const gap = opts.fillGapRows ?? 2;
  let last = -1;
  for (let y = 0; y < height; y++) {
    if (!torn[y]) continue;
    if (last >= 0 && y - last > 1 && y - last - 1 <= gap && Math.sign(shiftPx[y]) === Math.sign(shiftPx[last])) for (let r = last + 1; r < y; r++) torn[r] = 1;
    last = y;
  }
  return { shiftPx, shiftSePx, torn, noise, dispersion };
}

/**
 * The fraction of a column's Gaussian image (standard deviation `sigmaPx`, centred on row `y`) that
 * lies on torn rows: Σ over torn rows r of exp(-(r - y)^2 / (2 sigma^2)), over the same sum on all rows
 * within 3 sigma (rows outside the frame left out).
 */
export function tornFraction(torn: ArrayLike<number>, y: number, sigmaPx: number): number {
  const lo = Math.max(0, Math.ceil(y - 3 * sigmaPx)), hi = Math.min(torn.length - 1, Math.floor(y + 3 * sigmaPx));
  let t = 0, all = 0;
  for (let r = lo; r <= hi; r++) {
    const w = Math.exp(-((r - y) ** 2) / (2 * sigmaPx * sigmaPx));
    all += w;
    if (torn[r]) t += w;
  }
  return all > 0 ? t / all : 0;
}
