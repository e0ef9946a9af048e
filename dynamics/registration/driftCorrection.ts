/**
 * Drift correction: where each frame's content sits relative to frame 0, and positions corrected
 * for it.
 *
 * Frames are registered to the previous frame by phase correlation (dynamics/registration/phaseCorrelation.ts,
 * Guizar-Sicairos et al., Opt. Lett. 33, 156 (2008)) and the steps are summed. On a crystal lattice
 * the correlation surface has one near-equal peak per lattice translation, so the registration is
 * chosen among the strong peaks ({@link chooseRegistration}):
 * 1. by the non-periodic features when they decide: each frame's periodic part is removed by
 *    Fourier filtering of its Bragg peaks (dynamics/registration/latticeFilter.ts), the residuals (vacancies,
 *    dopants, contamination, scan glitches) are cross-correlated, and a candidate wins when its
 *    residual correlation beats every other candidate's by `featureRatio`;
 * 2. otherwise by the drift prior: the candidate nearest the predicted step (constant velocity: the
 *    mean of the last `priorWindow` steps; `initialVelocity` for the first step);
 * and it is flagged `ambiguous` when it was not decided by features, another candidate's peak is at
 * least `ambiguityRatio` times as high, and the prediction missed the chosen peak by more than
 * `priorFraction` of the distance between the two (so the prior did not clearly decide either).
 * The candidates, the feature correlation and the chosen peak's first sub-pixel estimate (upsampled DFT)
 * come from the central half of the frames' spectra on frames of 256 px and more
 * ({@link COARSE_REGISTRATION}; phaseCorrelation.ts cropSpectrum); the estimate is then re-registered on
 * the full spectrum with the second frame's window moved along with it (removing the window's pull
 * towards zero shift; {@link refineShiftUnbiased}).
 *
 * Sign convention (drift.csv): a feature at (x, y) in frame 0 appears at (x + dx, y + dy) in frame k;
 * corrected positions are x_corr = x - dx(frame). With `scanDrift`, each row is corrected with the
 * drift at the moment it was scanned (linear interpolation of the drift track in time, rows scanned
 * top to bottom during `fraction` of the frame time): the slow-scan model of a single scan direction.
 * The full correction of Ophus et al. (Ultramicroscopy 162, 1 (2016)) needs pairs of orthogonal scans,
 * which a movie does not have.
 */
import {
  crossPowerSpectrum,
  correlationSurface,
  cropSpectrum,
  findCorrelationPeaks,
  overlapCorrelation,
  refinePeak,
  refineShiftUnbiased,
  windowedSpectrum,
  type CrossPowerOptions,
  type Image2D,
  type Spectrum2D,
} from './phaseCorrelation.ts';
import { residualSpectrum } from './latticeFilter.ts';
import { silentProgress, type ProgressSink } from '../../data/progress.ts';
import { AtomdynError } from '../../data/errors.ts';

/** How a frame's registration was chosen. */
export type ChosenBy = 'reference' | 'single-peak' | 'features' | 'prior' | 'none';

/** A candidate registration (a correlation peak), with optional evidence from non-periodic features. */
export interface RegistrationCandidate {
  /** Step in x relative to the previous frame, px. */
  dx: number;
  /** Step in y, px. */
  dy: number;
  /** Correlation peak height relative to the highest peak (0..1). */
  height: number;
  /** Evidence for this candidate from non-periodic features (larger is better); undefined when none. */
  feature?: number;
}

/** Settings for {@link chooseRegistration}. */
export interface ChoiceOptions {
  /** Another peak at least this fraction of the chosen one's height makes the choice ambiguous. Default 0.9. */
  ambiguityRatio?: number;
  /** Features decide when the best candidate's evidence is this many times the next one's. Default 1.2. */
  featureRatio?: number;
  /**
   * The prediction decides between near-equal peaks only when it lies within this fraction of their
   * separation from the chosen one. Default 0.25.
   */
  priorFraction?: number;
  /** Features decide only when the best candidate's evidence is at least this. Default 0. */
  minFeature?: number;
}

/** The outcome of {@link chooseRegistration}. */
export interface RegistrationChoice {
  /** Index into the candidates (-1 when there were none). */
  index: number;
  chosenBy: ChosenBy;
  ambiguous: boolean;
  /** Features decided, and the prior would have chosen another candidate. */
  featuresDisagreeWithPrior: boolean;
  /** The runner-up candidate that made the choice ambiguous, or -1. */
  rival: number;
}

/**
 * Choose among candidate registrations: features when they decide, else the one nearest the
 * predicted step; flag ambiguity (see the module comment).
 * @param prior predicted step [dx, dy], px
 */
export function chooseRegistration(candidates: RegistrationCandidate[], prior: [number, number], opts: ChoiceOptions = {}): RegistrationChoice {
  const ratio = opts.ambiguityRatio ?? 0.9;
  const fRatio = opts.featureRatio ?? 1.2;
  const priorFraction = opts.priorFraction ?? 0.25;
  if (candidates.length === 0) return { index: -1, chosenBy: 'none', ambiguous: true, featuresDisagreeWithPrior: false, rival: -1 };
  if (candidates.length === 1) return { index: 0, chosenBy: 'single-peak', ambiguous: false, featuresDisagreeWithPrior: false, rival: -1 };
  let nearest = 0;
  let nd = Infinity;
  candidates.forEach((c, i) => {
    const d = Math.hypot(c.dx - prior[0], c.dy - prior[1]);
    if (d < nd) {
      nd = d;
      nearest = i;
    }
  });
  let featureBest = -1;
  if (candidates.every((c) => c.feature !== undefined)) {
    const order = candidates.map((_, i) => i).sort((a, b) => candidates[b].feature! - candidates[a].feature!);
    const f1 = candidates[order[0]].feature!;
    const f2 = candidates[order[1]].feature!;
    if (f1 > 0 && f1 >= (opts.minFeature ?? 0) && (f2 <= 0 || f1 >= fRatio * f2)) featureBest = order[0];
  }
  const index = featureBest >= 0 ? featureBest : nearest;
  let rival = -1;
  if (featureBest < 0) {
    const h = candidates[index].height;
    const c0 = candidates[index];
    candidates.forEach((c, i) => {
      if (i === index || c.height < ratio * h) return;
      // the prediction decides only when it falls clearly closer to the chosen peak
      if (nd <= priorFraction * Math.hypot(c.dx - c0.dx, c.dy - c0.dy)) return;
      if (rival < 0 || c.height > candidates[rival].height) rival = i;
    });
  }
  return {
    index,
    chosenBy: featureBest >= 0 ? 'features' : 'prior',
    ambiguous: rival >= 0,
    featuresDisagreeWithPrior: featureBest >= 0 && featureBest !== nearest,
    rival,
  };
}

/** One registered frame. */
export interface DriftStep {
  frame: number;
  /** Cumulative drift relative to the first frame, px. */
  dx: number;
  dy: number;
  /** Step relative to the previous frame, px. */
  stepDx: number;
  stepDy: number;
  /** Normalised correlation of the chosen registration (Pearson r of the overlap for frames; matched fraction for points); NaN for the first frame. */
  peak: number;
  ambiguous: boolean;
  chosenBy: ChosenBy;
  /** The candidates considered (empty for the first frame). */
  candidates: RegistrationCandidate[];
  /** The rival candidate when ambiguous. */
  rival?: RegistrationCandidate;
  featuresDisagreeWithPrior: boolean;
}

/** Settings shared by frame and point registration. */
export interface DriftPriorOptions extends ChoiceOptions {
  /** Expected step of the first pair of frames, px per frame. Default [0, 0]. */
  initialVelocity?: [number, number];
  /** Steps averaged for the constant-velocity prediction. Default 3. */
  priorWindow?: number;
}

/** Settings for {@link FrameDriftEstimator}. */
export interface FrameDriftOptions extends CrossPowerOptions, DriftPriorOptions {
  /** Tukey window alpha. Default 0.5. */
  windowAlpha?: number;
  /** Candidates must reach this fraction of the highest correlation peak. Default 0.6. */
  minRelativeHeight?: number;
  /** At most this many candidates. Default 8. */
  maxPeaks?: number;
  /** Largest step considered, px. Default: a quarter of the smaller frame side. */
  maxShift?: number;
  /** Upsampling factor of the sub-pixel refinement. Default 20. */
  upsample?: number;
  /** Use non-periodic features to disambiguate. Default true. */
  useFeatures?: boolean;
  /** Gaussian sigma (px) smoothing the residuals before correlating them. Default 2. */
  featureSigma?: number;
  /**
   * The candidate peaks, the feature correlation and the first sub-pixel estimate are found on the central
   * 1/coarse of the spectrum in each direction (phaseCorrelation.ts cropSpectrum: the frames band-limited
   * and sampled every `coarse` px), the final estimate (with the window bias removed) on the full spectrum.
   * 1 does everything on the full spectrum. Default {@link COARSE_REGISTRATION} where it divides the
   * frame into even sizes of at least {@link COARSE_MIN_PX} px, else 1.
   */
  coarse?: number;
}

/**
 * Default {@link FrameDriftOptions.coarse}: 2. The cross-power spectrum carries the low-pass
 * exp(-4 pi^2 sigma^2 f^2) (sigma 1 px), 0.085 at the crop's edge (f = 1/4 cycle per px), so the coarse
 * surface peaks where the full one does; it only starts the final, full-spectrum refinement, whose
 * 0.4 px search window holds the answer. Measured (2026-12-03, bench/registration, simulated 512 x 512
 * movies, 16 and 60 frames): steps within 8.6e-3 px (graphene, 7.8 pm/px) and 1.7e-4 px (WSe2) of the
 * full-spectrum ones; RMS error against the true drift 1.828 px either way (graphene, 16 frames), 2.046
 * against 2.041 px (60 frames), WSe2 0.125 and 0.300 px either way; registration CPU time per frame about
 * a fifth (graphene) to a third (WSe2) lower (issue 24).
 */
export const COARSE_REGISTRATION = 2;

/**
 * The smallest coarse grid side, px: smaller frames are registered on the full spectrum (cheap there). On
 * the real 128 x 128 WSe2 movie a 64 px grid chose the same steps (within 4e-3 px) but ranked near-equal
 * lattice peaks differently.
 */
export const COARSE_MIN_PX = 128;

/** Constant-velocity prediction from past steps. */
export class DriftPrior {
  private steps: Array<[number, number]> = [];
  /**
   * @param initial the step predicted before any is known, px per frame
   * @param window number of most recent steps averaged
   */
  constructor(private readonly initial: [number, number] = [0, 0], private readonly window = 3) {}
  /** The predicted next step [dx, dy], px per frame. */
  predict(): [number, number] {
    if (!this.steps.length) return [...this.initial];
    const k = Math.min(this.window, this.steps.length);
    let sx = 0;
    let sy = 0;
    for (let i = this.steps.length - k; i < this.steps.length; i++) {
      sx += this.steps[i][0];
      sy += this.steps[i][1];
    }
    return [sx / k, sy / k];
  }
  /** Record a measured step, px per frame. */
  add(dx: number, dy: number): void {
    this.steps.push([dx, dy]);
  }
}

interface CachedFrame {
  image: Image2D;
  spectrum: Spectrum2D;
  /** The central frequencies of `spectrum` (cropSpectrum by the coarse factor). */
  coarse: Spectrum2D;
  residual: Spectrum2D | null | undefined; // undefined = not computed, null = no lattice; cropped like `coarse`
}

/**
 * Streaming registration of frames: push frames in order, get each frame's drift.
 */
export class FrameDriftEstimator {
  private prev: CachedFrame | null = null;
  /**
   * Spectra reused from frame to frame (issue 24: a 512 x 512 movie allocated ~16 MB of them per frame):
   * the previous frame's full and coarse spectra become the next frame's after it is registered, and
   * the scratch of the cross-power spectra and surfaces. A registration returns numbers only, so no
   * buffer escapes.
   */
  private spare: { spectrum?: Spectrum2D; coarse?: Spectrum2D } = {};
  private readonly scratch: { moved?: Spectrum2D; coarseCross?: Spectrum2D; featureCross?: Spectrum2D; surface?: Spectrum2D } = {};
  private readonly prior: DriftPrior;
  private cumX = 0;
  private cumY = 0;
  private count = 0;
  /** The coarse factor in use ({@link FrameDriftOptions.coarse}). */
  readonly coarse: number;

  /**
   * @param width frame width, px
   * @param height frame height, px
   * @throws AtomdynError('frames') when the size is smaller than 8 x 8
   */
  constructor(readonly width: number, readonly height: number, private readonly opts: FrameDriftOptions = {}) {
    if (!(width >= 8 && height >= 8)) throw AtomdynError.forOption('frames', `frames of ${width}x${height} px are too small to register`);
    this.prior = new DriftPrior(opts.initialVelocity, opts.priorWindow);
    const c = opts.coarse ?? COARSE_REGISTRATION;
    const fits = (n: number) => Number.isInteger(n / c) && (n / c) % 2 === 0 && n / c >= COARSE_MIN_PX;
    this.coarse = c > 1 && fits(width) && fits(height) ? c : 1;
  }

  private residualSpectrum(f: CachedFrame): Spectrum2D | null {
    if (f.residual !== undefined) return f.residual;
    // the frame's spectrum is windowed as removePeriodicPart windows it (same alpha): its residual's
    // spectrum follows from it without transforms
    const r = residualSpectrum(f.spectrum);
    if (r.peaks.length < 2) {
      f.residual = null;
      return null;
    }
    f.residual = cropSpectrum(r.spectrum, this.coarse);
    return f.residual;
  }

  /**
   * Register the next frame against the previous one.
   * @param data float frame [height * width], row-major
   * @param frame frame index recorded in the result (default: the push count)
   * @throws AtomdynError when the frame has the wrong size
   */
  push(data: ArrayLike<number>, frame = this.count): DriftStep {
    if (data.length !== this.width * this.height) throw AtomdynError.forOption('frames', `frame ${frame} has ${data.length} pixels, expected ${this.width}x${this.height}`);
    const image: Image2D = { data, width: this.width, height: this.height };
    const spectrum = windowedSpectrum(image, this.opts.windowAlpha ?? 0.5, undefined, this.spare.spectrum);
    const cur: CachedFrame = { image, spectrum, coarse: cropSpectrum(spectrum, this.coarse, this.spare.coarse), residual: undefined };
    this.count++;
    const prev = this.prev;
    this.prev = cur;
    // the previous frame's spectra are free again once this push returns
    this.spare = prev ? { spectrum: prev.spectrum, coarse: prev.coarse === prev.spectrum ? undefined : prev.coarse } : {};
    if (!prev) {
      return { frame, dx: 0, dy: 0, stepDx: 0, stepDy: 0, peak: NaN, ambiguous: false, chosenBy: 'reference', candidates: [], featuresDisagreeWithPrior: false };
    }
    // candidates and the first estimate on the coarse grid (c px per bin), in px of the frame
    const c = this.coarse;
    const cw = this.width / c, ch = this.height / c;
    const sc = this.scratch;
    const cps = (sc.coarseCross = crossPowerSpectrum(prev.coarse, cur.coarse, { ...this.opts, smoothSigma: (this.opts.smoothSigma ?? 1) / c }, sc.coarseCross));
    const surface = correlationSurface(cps, (sc.surface ??= { re: new Float64Array(cw * ch), im: new Float64Array(cw * ch), width: cw, height: ch }));
    const peaks = findCorrelationPeaks(surface, cw, ch, {
      minRelativeHeight: this.opts.minRelativeHeight ?? 0.6,
      maxPeaks: this.opts.maxPeaks ?? 8,
      maxShift: (this.opts.maxShift ?? Math.min(this.width, this.height) / 4) / c,
      radius: Math.max(1, Math.round(2 / c)),
    });
    const candidates: RegistrationCandidate[] = peaks.map((p) => ({ dx: p.dx * c, dy: p.dy * c, height: p.height }));
    if (candidates.length > 1 && (this.opts.useFeatures ?? true)) {
      const ra = this.residualSpectrum(prev);
      const rb = this.residualSpectrum(cur);
      if (ra && rb) {
        // (the coarse surface's scratch: its peaks are found)
        sc.featureCross = crossPowerSpectrum(ra, rb, { whitening: 0, smoothSigma: (this.opts.featureSigma ?? 2) / c }, sc.featureCross);
        const fs = correlationSurface(sc.featureCross, sc.surface);
        let fmax = 0;
        for (let i = 0; i < fs.length; i++) fmax = Math.max(fmax, Math.abs(fs[i]));
        for (const cand of candidates) {
          let best = -Infinity;
          for (let oy = -1; oy <= 1; oy++) {
            for (let ox = -1; ox <= 1; ox++) {
              const x = (((cand.dx / c + ox) % cw) + cw) % cw;
              const y = (((cand.dy / c + oy) % ch) + ch) % ch;
              best = Math.max(best, fs[y * cw + x]);
            }
          }
          cand.feature = fmax > 0 ? best / fmax : 0;
        }
      }
    }
    const predicted = this.prior.predict();
    const choice = chooseRegistration(candidates, predicted, this.opts);
    let sx = predicted[0];
    let sy = predicted[1];
    if (choice.index >= 0) {
      const cand = candidates[choice.index];
      const r = refinePeak(cps, cand.dx / c, cand.dy / c, this.opts.upsample ?? 20);
      // the final estimate on the full spectrum, the second frame's window moved along
      sc.moved ??= { re: new Float64Array(this.width * this.height), im: new Float64Array(this.width * this.height), width: this.width, height: this.height };
      const u = refineShiftUnbiased(prev.spectrum, image, { dx: r.dx * c, dy: r.dy * c }, { ...this.opts, windowAlpha: this.opts.windowAlpha ?? 0.5 }, sc.moved);
      sx = u.dx;
      sy = u.dy;
    }
    this.prior.add(sx, sy);
    this.cumX += sx;
    this.cumY += sy;
    return {
      frame,
      dx: this.cumX,
      dy: this.cumY,
      stepDx: sx,
      stepDy: sy,
      peak: overlapCorrelation(prev.image, image, sx, sy),
      ambiguous: choice.ambiguous,
      chosenBy: choice.chosenBy,
      candidates,
      rival: choice.rival >= 0 ? candidates[choice.rival] : undefined,
      featuresDisagreeWithPrior: choice.featuresDisagreeWithPrior,
    };
  }
}

/** A drift track: one row per frame. */
export interface DriftTrack {
  frame: Int32Array;
  dx: Float64Array;
  dy: Float64Array;
  peak: Float64Array;
  ambiguous: Uint8Array;
  chosenBy: ChosenBy[];
  /** What was registered. */
  method: 'frames' | 'coordinates' | 'none';
  /** Messages for the user (ambiguous frames, disagreements). */
  warnings: string[];
}

const fmt = (v: number) => (Math.round(v * 100) / 100).toString();

/**
 * Collect steps into a track and phrase the warnings (at most `maxMessages` frame-by-frame
 * messages per kind, then a count).
 */
export function driftTrackFromSteps(steps: DriftStep[], method: DriftTrack['method'], maxMessages = 10): DriftTrack {
  const n = steps.length;
  const track: DriftTrack = {
    frame: Int32Array.from(steps, (s) => s.frame),
    dx: Float64Array.from(steps, (s) => s.dx),
    dy: Float64Array.from(steps, (s) => s.dy),
    peak: Float64Array.from(steps, (s) => s.peak),
    ambiguous: Uint8Array.from(steps, (s) => (s.ambiguous ? 1 : 0)),
    chosenBy: steps.map((s) => s.chosenBy),
    method,
    warnings: [],
  };
  const amb = steps.filter((s) => s.ambiguous);
  amb.slice(0, maxMessages).forEach((s) => {
    const r = s.rival;
    track.warnings.push(
      s.chosenBy === 'none'
        ? `frame ${s.frame}: no correlation peak; the drift step was predicted from the previous frames`
        : `frame ${s.frame}: ambiguous registration on a periodic lattice: chose step (${fmt(s.stepDx)}, ${fmt(s.stepDy)}) px nearest the predicted drift` +
            (r ? `; the peak at (${r.dx}, ${r.dy}) px is ${Math.round(r.height * 100)}% as high` : '') +
            '; check drift.png',
    );
  });
  if (amb.length > maxMessages) track.warnings.push(`... ${amb.length - maxMessages} more ambiguous frames (see the ambiguous column of drift.csv)`);
  const dis = steps.filter((s) => s.featuresDisagreeWithPrior);
  dis.slice(0, maxMessages).forEach((s) =>
    track.warnings.push(`frame ${s.frame}: non-periodic features chose step (${fmt(s.stepDx)}, ${fmt(s.stepDy)}) px, away from the constant-velocity prediction (sudden drift change?)`),
  );
  if (dis.length > maxMessages) track.warnings.push(`... ${dis.length - maxMessages} more frames where features overruled the drift prior`);
  void n;
  return track;
}

/** A track with zero drift for the given frames (no registration). */
export function zeroDrift(frames: ArrayLike<number>): DriftTrack {
  const f = Int32Array.from(new Set(Array.from(frames))).sort();
  return {
    frame: f,
    dx: new Float64Array(f.length),
    dy: new Float64Array(f.length),
    peak: new Float64Array(f.length).fill(NaN),
    ambiguous: new Uint8Array(f.length),
    chosenBy: Array.from(f, () => 'none' as ChosenBy),
    method: 'none',
    warnings: [],
  };
}

/** A frame stack as registration needs it (data/frameStack.ts's FrameStack satisfies it). */
export interface FrameSource {
  readonly count: number;
  readonly width: number;
  readonly height: number;
  readFrame(index: number): Promise<ArrayLike<number>>;
}

/**
 * Register every frame of a stack (the table-level wrapper of {@link FrameDriftEstimator}).
 * @throws AtomdynError as the estimator, or from the frame reader
 */
export async function estimateDriftFromFrames(stack: FrameSource, opts: FrameDriftOptions = {}, progress: ProgressSink = silentProgress): Promise<DriftTrack> {
  const est = new FrameDriftEstimator(stack.width, stack.height, opts);
  const steps: DriftStep[] = [];
  progress.start('registering frames', stack.count);
  for (let i = 0; i < stack.count; i++) {
    steps.push(est.push(await stack.readFrame(i), i));
    progress.tick(1);
  }
  progress.stop();
  return driftTrackFromSteps(steps, 'frames');
}

/**
 * The drift at a (possibly fractional) frame time: linear interpolation between the track's frames,
 * linear extrapolation beyond its ends (constant when the track has one frame).
 * @returns [dx, dy] in px
 */
export function driftAt(track: DriftTrack, t: number): [number, number] {
  const f = track.frame;
  const n = f.length;
  if (n === 0) return [0, 0];
  if (n === 1) return [track.dx[0], track.dy[0]];
  let lo = 0;
  let hi = n - 1;
  if (t <= f[0]) hi = 1;
  else if (t >= f[n - 1]) lo = n - 2;
  else {
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (f[mid] <= t) lo = mid;
      else hi = mid;
    }
  }
  const a = (t - f[lo]) / (f[hi] - f[lo]);
  return [track.dx[lo] + a * (track.dx[hi] - track.dx[lo]), track.dy[lo] + a * (track.dy[hi] - track.dy[lo])];
}

/** Slow-scan timing: rows are scanned top to bottom during `fraction` of the frame time. */
export interface ScanDriftOptions {
  /** Frame height in rows. */
  height: number;
  /** Fraction of the frame period spent scanning (1 = back-to-back frames without flyback). Default 1. */
  fraction?: number;
}

/**
 * Drift-corrected positions: x_corr = x - dx(t), y_corr = y - dy(t), with t = frame, or, with
 * `scanDrift`, t = frame + fraction * ((y + 0.5) / height - 0.5) (the moment row y was scanned,
 * the registration standing for the middle of the frame).
 * @returns Float64Arrays aligned with the input
 */
export function correctPositions(
  track: DriftTrack,
  frame: ArrayLike<number>,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  scanDrift?: ScanDriftOptions,
): { xCorr: Float64Array; yCorr: Float64Array } {
  const n = frame.length;
  const xCorr = new Float64Array(n);
  const yCorr = new Float64Array(n);
  const frac = scanDrift?.fraction ?? 1;
  for (let i = 0; i < n; i++) {
    const t = scanDrift ? frame[i] + frac * ((y[i] + 0.5) / scanDrift.height - 0.5) : frame[i];
    const [dx, dy] = driftAt(track, t);
    xCorr[i] = x[i] - dx;
    yCorr[i] = y[i] - dy;
  }
  return { xCorr, yCorr };
}

/**
 * Refine a drift track from linked trajectories (trackpy's compute_drift): each step is the mean
 * displacement, in raw coordinates, of the particles observed in both frames, after discarding
 * displacements more than `maxDeviation` from their median (hops, wrong links). Steps with fewer than
 * `minParticles` common particles keep the base track's step. Uses every linked atom, so its
 * precision is the positional jitter over sqrt(atoms).
 * @param base the track to refine (its frames, peak, ambiguity and warnings are kept)
 * @param maxDeviation px; default: 3 x the median absolute deviation, at least 0.05 px
 */
export function driftFromLinks(
  base: DriftTrack,
  frame: ArrayLike<number>,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  particle: ArrayLike<number>,
  opts: { minParticles?: number; maxDeviation?: number } = {},
): DriftTrack {
  const minP = opts.minParticles ?? 3;
  const byFrame = new Map<number, Map<number, number>>();
  for (let i = 0; i < frame.length; i++) {
    let m = byFrame.get(frame[i]);
    if (!m) byFrame.set(frame[i], (m = new Map()));
    m.set(particle[i], i);
  }
  const out: DriftTrack = { ...base, dx: Float64Array.from(base.dx), dy: Float64Array.from(base.dy), warnings: [...base.warnings] };
  const median = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    const k = s.length >> 1;
    return s.length % 2 ? s[k] : 0.5 * (s[k - 1] + s[k]);
  };
  for (let k = 1; k < base.frame.length; k++) {
    let sx = base.dx[k] - base.dx[k - 1];
    let sy = base.dy[k] - base.dy[k - 1];
    const a = byFrame.get(base.frame[k - 1]);
    const b = byFrame.get(base.frame[k]);
    if (a && b) {
      const ux: number[] = [];
      const uy: number[] = [];
      for (const [p, i] of a) {
        const j = b.get(p);
        if (j === undefined) continue;
        ux.push(x[j] - x[i]);
        uy.push(y[j] - y[i]);
      }
      if (ux.length >= minP) {
        const mx = median(ux);
        const my = median(uy);
        const dev = ux.map((v, i) => Math.hypot(v - mx, uy[i] - my));
        const lim = opts.maxDeviation ?? Math.max(0.05, 3 * median(dev));
        let cx = 0;
        let cy = 0;
        let c = 0;
        for (let i = 0; i < ux.length; i++) {
          if (dev[i] > lim) continue;
          cx += ux[i];
          cy += uy[i];
          c++;
        }
        if (c >= minP) {
          sx = cx / c;
          sy = cy / c;
        }
      }
    }
    out.dx[k] = out.dx[k - 1] + sx;
    out.dy[k] = out.dy[k - 1] + sy;
  }
  return out;
}
