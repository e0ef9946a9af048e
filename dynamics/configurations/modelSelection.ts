/**
 * Choosing the number of classes K by the Bayesian information criterion (Schwarz, Ann. Stat. 6, 461
 * (1978)) with a corrected sample size.
 *
 * Consecutive frames of one dopant are near-duplicates: a Si-C3 that sits still for 50 frames gives
 * 50 nearly identical descriptors, not 50 independent observations. Counting them as independent
 * inflates the log-likelihood term against the penalty and makes BIC split a class by the static
 * strain of each site. So the BIC is computed on one instance per dwell segment (a run of consecutive
 * observed frames of one particle whose descriptor does not change by more than a threshold), or,
 * alternatively, with the log-likelihood rescaled to the number of segments (an effective sample size).
 */

/** One point of a BIC curve. */
export interface BicPoint {
  /** Number of classes. */
  k: number;
  /** BIC (lower is better). */
  bic: number;
  /** AIC. */
  aic: number;
  /** Total log-likelihood on the samples the criterion was computed on (rescaled to nEffective). */
  logLikelihood: number;
  /** Free parameters. */
  nParameters: number;
  /** Samples the model was fitted to. */
  nSamples: number;
  /** Sample size used in the penalty (ln nEffective). */
  nEffective: number;
  /** True when a class of this fit is smaller than the minimum class size (the K is not eligible). */
  tooSmall?: boolean;
}

/** An instance's place in time, for segmenting. */
export interface TimedInstance {
  /** Trajectory id, or null when untracked. */
  particle: number | null;
  /** Frame index. */
  frame: number;
}

/** Dwell segments of a set of instances. */
export interface DwellSegments {
  /** Segment id of each instance, 0..count-1. */
  segmentOf: Int32Array;
  /** Number of segments. */
  count: number;
  /** The change threshold used (descriptor units), or null when no distances were compared. */
  threshold: number | null;
}

/**
 * Split each particle's instances into dwell segments: a new segment starts where the distance
 * between consecutive observed frames exceeds `threshold` (default: `factor` times the median of
 * all consecutive distances), or where frames are missing for more than `maxGap` frames.
 * Untracked instances (particle null) are each their own segment.
 *
 * @param distance symmetry-invariant distance between instances i and j (descriptor units)
 */
export function dwellSegments(
  instances: TimedInstance[],
  distance: (i: number, j: number) => number,
  opts: { threshold?: number; factor?: number; maxGap?: number } = {},
): DwellSegments {
  const factor = opts.factor ?? 3;
  const maxGap = opts.maxGap ?? 1;
  const byParticle = new Map<number, number[]>();
  instances.forEach((inst, i) => {
    if (inst.particle === null) return;
    let l = byParticle.get(inst.particle);
    if (!l) byParticle.set(inst.particle, (l = []));
    l.push(i);
  });
  const pairs: Array<[number, number, number]> = [];
  for (const list of byParticle.values()) {
    list.sort((a, b) => instances[a].frame - instances[b].frame);
    for (let t = 1; t < list.length; t++) {
      const i = list[t - 1];
      const j = list[t];
      const gap = instances[j].frame - instances[i].frame;
      pairs.push([i, j, gap <= maxGap ? distance(i, j) : Infinity]);
    }
  }
  const finite = pairs.map((p) => p[2]).filter((d) => Number.isFinite(d)).sort((a, b) => a - b);
  const threshold = opts.threshold ?? (finite.length ? factor * finite[Math.floor(finite.length / 2)] : null);
  const segmentOf = new Int32Array(instances.length).fill(-1);
  let count = 0;
  const brk = new Set<number>();
  for (const [, j, d] of pairs) if (!(threshold !== null && d <= threshold)) brk.add(j);
  for (const list of byParticle.values()) {
    for (let t = 0; t < list.length; t++) {
      if (t === 0 || brk.has(list[t])) count++;
      segmentOf[list[t]] = count - 1;
    }
  }
  for (let i = 0; i < instances.length; i++) if (segmentOf[i] < 0) segmentOf[i] = count++;
  return { segmentOf, count, threshold };
}

/** One instance per segment: the middle one in time. Returns instance indices, by segment id. */
export function segmentRepresentatives(instances: TimedInstance[], seg: DwellSegments): number[] {
  const members: number[][] = Array.from({ length: seg.count }, () => []);
  seg.segmentOf.forEach((s, i) => members[s].push(i));
  return members.map((m) => {
    m.sort((a, b) => instances[a].frame - instances[b].frame);
    return m[Math.floor((m.length - 1) / 2)];
  });
}

/** What a fit at one K reports to {@link selectByBic}. */
export interface FitReport<M> {
  model: M;
  /** Total log-likelihood of the samples the criterion is computed on. */
  logLikelihood: number;
  nParameters: number;
  /** Samples the model was fitted to. */
  nSamples: number;
  /** Members (hard assignment) of the smallest class; used by the minimum class size rule. */
  smallestClass?: number;
}

/**
 * Fit K = kMin..kMax and choose the K of lowest BIC. With `nEffective` (fewer independent
 * observations than samples), the log-likelihood is rescaled by nEffective / nSamples and the penalty
 * uses ln nEffective. A K whose smallest class has fewer than `minClassSize` members is not eligible:
 * a handful of outliers (a missed neighbour, an atom past a cut-off) would otherwise buy a class of
 * their own, cheaply so with few parameters per class.
 *
 * @param fit fits a model with K classes (throwing is allowed: that K is skipped, e.g. a collapsed covariance)
 * @throws Error when no K could be fitted
 */
export function selectByBic<M>(
  fit: (k: number) => FitReport<M>,
  kMin: number,
  kMax: number,
  nEffective?: number,
  minClassSize = 0,
): { best: number; curve: BicPoint[]; models: Map<number, M>; errors: Map<number, string> } {
  const curve: BicPoint[] = [];
  const models = new Map<number, M>();
  const errors = new Map<number, string>();
  for (let k = kMin; k <= kMax; k++) {
    let r: FitReport<M>;
    try {
      r = fit(k);
    } catch (e) {
      errors.set(k, (e as Error).message);
      continue;
    }
    const ne = nEffective ?? r.nSamples;
    const ll = (r.logLikelihood * ne) / r.nSamples;
    curve.push({
      k,
      bic: -2 * ll + r.nParameters * Math.log(ne),
      aic: -2 * ll + 2 * r.nParameters,
      logLikelihood: ll,
      nParameters: r.nParameters,
      nSamples: r.nSamples,
      nEffective: ne,
    });
    models.set(k, r.model);
    if (k > 1 && r.smallestClass !== undefined && r.smallestClass < minClassSize) {
      curve[curve.length - 1].tooSmall = true;
    }
  }
  if (curve.length === 0) throw new Error(`no number of classes in ${kMin}..${kMax} could be fitted: ${[...errors.values()][0] ?? ''}`);
  let best = curve.find((p) => !p.tooSmall) ?? curve[0];
  for (const p of curve) if (!p.tooSmall && p.bic < best.bic) best = p;
  return { best: best.k, curve, models, errors };
}
