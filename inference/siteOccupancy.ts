/**
 * What each column of one sublattice holds, from the column amplitudes of one frame: a Gaussian
 * mixture whose component means are fixed by Z-contrast, fitted per frame, then a Bayes decision per
 * site.
 *
 * Model: the amplitude a_i of site i is drawn from
 *
 *   p(a) = sum_k pi_k N(a; mu L_k, v)
 *
 * where L_k is the Z-contrast level of content k (inference/latticeSites.ts `siteLevels`: host 1,
 * one chalcogen of two 0.5, empty 0, V on Mo 0.36, ...), mu the host column's amplitude (one scale
 * per frame and sublattice), v one noise variance (the background's shot noise dominates the
 * amplitude noise at the doses of interest, so all contents share it) and pi_k the frame's abundance of
 * each content. mu, v and pi are fitted by expectation-maximisation (Dempster, Laird & Rubin, J. R.
 * Stat. Soc. B 39, 1 (1977)) with the levels held fixed, so the defects' own amplitudes help fix the
 * scale and the noise instead of being outliers of a median, and the abundances come from the frame.
 * The abundances have a Dirichlet prior: `priorSites` pseudo-sites spread as the defect priors
 * (locate `--defect-prior`, default 0.02 each; the host takes the rest), so pi_k = (n_k + priorSites p_k)
 * / (N + priorSites) with n_k the expected count of content k; a frame without a kind keeps a small
 * abundance for it, a frame rich in it learns so. Sites more than `outlierZ` noise standard deviations
 * from every level (contamination, a column the lattice does not hold) do not enter the fit.
 *
 * Decision: each site gets the content of highest posterior probability. Between the host and a
 * defect d this is the likelihood-ratio test
 *
 *   log [N(a; mu L_d, v) / N(a; mu, v)] > log (pi_host / pi_d),
 *
 * the threshold being the fitted prior odds (the decision of least expected misreadings);
 * {@link likelihoodRatioThreshold} gives it. With noise of standard deviation s = sqrt(v) / mu in units
 * of the host amplitude, a content at level L is told from the host with error rates below 1 % each
 * when (1 - L) / s >= about 5 (the detection limit: see docs/schema.md, `sites.csv`).
 */

/** One content a site can hold (as inference/latticeSites.ts `SiteLevel`). */
export interface OccupancyLevel {
  /** Defect name, or null for the host column. */
  defect: string | null;
  /** Expected amplitude over the host column's. */
  level: number;
}

/** Options of {@link fitOccupancyMixture}. */
export interface OccupancyMixtureOptions {
  /** Prior probability per defect name; default {@link DEFAULT_DEFECT_PRIOR} for each defect level. */
  priors?: Readonly<Record<string, number>>;
  /** Weight of the prior, in pseudo-sites; default 100. */
  priorSites?: number;
  /** Sites farther than this many noise standard deviations from every level are left out of the fit; default 5. */
  outlierZ?: number;
  /** EM iterations at most; default 200 (stops when no parameter moves by 1e-9 relative). */
  maxIterations?: number;
}

/** Prior probability of each defect level where none is given. */
export const DEFAULT_DEFECT_PRIOR = 0.02;

/** A fitted mixture (plain data). */
export interface OccupancyMixture {
  /** The levels, in the order given. */
  levels: OccupancyLevel[];
  /** Host amplitude mu (amplitude units). */
  scale: number;
  /** Noise standard deviation sqrt(v) (amplitude units). */
  noise: number;
  /** Abundance pi_k of each level (sums to 1). */
  weights: number[];
  /** Sites that entered the fit. */
  fitted: number;
  /** EM iterations used. */
  iterations: number;
}

const median = (v: number[]) => {
  const s = [...v].sort((p, q) => p - q);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

/**
 * Fit the Z-contrast mixture to one frame's amplitudes of one sublattice (module comment). Start: mu =
 * the median amplitude (the host is most sites), noise = 1.4826 x the median absolute deviation from
 * it, abundances = the priors.
 *
 * @param amplitudes finite column amplitudes (non-finite ones are ignored)
 * @param levels the contents, exactly one with `defect` null (the host, level 1)
 * @returns null when fewer than 3 finite amplitudes, or the host amplitude is not positive
 */
export function fitOccupancyMixture(amplitudes: readonly number[], levels: readonly OccupancyLevel[], opts: OccupancyMixtureOptions = {}): OccupancyMixture | null {
  const a = amplitudes.filter(Number.isFinite);
  const K = levels.length;
  if (a.length < 3 || K < 1) return null;
  const host = levels.findIndex((l) => l.defect === null);
  const prior = levels.map((l) => (l.defect === null ? 0 : opts.priors?.[l.defect] ?? DEFAULT_DEFECT_PRIOR));
  prior[host] = Math.max(1e-6, 1 - prior.reduce((t, p) => t + p, 0));
  const n0 = opts.priorSites ?? 100, zOut = opts.outlierZ ?? 5, maxIt = opts.maxIterations ?? 200;
  let mu = median(a);
  if (!(mu > 0)) return null;
  let sd = 1.4826 * median(a.map((x) => Math.abs(x - mu)));
  if (!(sd > 0)) sd = 1e-3 * mu;
  let w = prior.slice();
  const L = levels.map((l) => l.level);
  const resp = new Float64Array(K);
  let it = 0, used = 0;
  for (; it < maxIt; it++) {
    const nk = new Float64Array(K);
    let sAL = 0, sLL = 0, sRR = 0;
    used = 0;
    const logW = w.map((x) => Math.log(Math.max(x, 1e-300)));
    // the responsibilities of amplitude x under the current parameters, normalised into resp; false for
    // an outlier (further than zOut standard deviations from every level), which is left out
    const responsibilities = (x: number): boolean => {
      let zMin = Infinity;
      for (let k = 0; k < K; k++) zMin = Math.min(zMin, Math.abs(x - mu * L[k]) / sd);
      if (zMin > zOut) return false;
      let mx = -Infinity;
      for (let k = 0; k < K; k++) {
        resp[k] = logW[k] - (x - mu * L[k]) ** 2 / (2 * sd * sd);
        mx = Math.max(mx, resp[k]);
      }
      let t = 0;
      for (let k = 0; k < K; k++) t += (resp[k] = Math.exp(resp[k] - mx));
      for (let k = 0; k < K; k++) resp[k] /= t;
      return true;
    };
    for (const x of a) {
      if (!responsibilities(x)) continue;
      used++;
      for (let k = 0; k < K; k++) {
        const r = resp[k];
        nk[k] += r;
        sAL += r * x * L[k];
        sLL += r * L[k] * L[k];
      }
    }
    if (used < 3 || !(sLL > 0)) break;
    const muNew = sAL / sLL;
    // the variance with the new scale (second pass over the responsibilities)
    for (const x of a) {
      if (!responsibilities(x)) continue;
      for (let k = 0; k < K; k++) sRR += resp[k] * (x - muNew * L[k]) ** 2;
    }
    const sdNew = Math.sqrt(sRR / used);
    const wNew = Array.from(nk, (n, k) => (n + n0 * prior[k]) / (used + n0));
    const moved = Math.abs(muNew - mu) / mu + Math.abs(sdNew - sd) / sd + wNew.reduce((t, x, k) => t + Math.abs(x - w[k]), 0);
    mu = muNew;
    sd = sdNew > 0 ? sdNew : sd;
    w = wNew;
    if (!(mu > 0)) return null;
    if (moved < 1e-9) { it++; break; }
  }
  return { levels: levels.map((l) => ({ defect: l.defect, level: l.level })), scale: mu, noise: sd, weights: w, fitted: used, iterations: it };
}

/**
 * The threshold of the likelihood-ratio test between the host and defect level `k`: a site is read as
 * the defect rather than the host when log [N(a; mu L_k, v) / N(a; mu, v)] exceeds it (natural log).
 */
export function likelihoodRatioThreshold(m: OccupancyMixture, k: number): number {
  const host = m.levels.findIndex((l) => l.defect === null);
  return Math.log(m.weights[host] / m.weights[k]);
}

/**
 * The content of highest posterior probability for one amplitude under a fitted mixture, and the
 * natural-log likelihood ratio of that content against the host (0 for the host).
 */
export function mostProbableLevel(m: OccupancyMixture, amplitude: number): { index: number; logLikelihoodRatio: number } {
  const host = m.levels.findIndex((l) => l.defect === null);
  const v2 = 2 * m.noise * m.noise;
  let best = host, bestScore = -Infinity;
  for (let k = 0; k < m.levels.length; k++) {
    const s = Math.log(Math.max(m.weights[k], 1e-300)) - (amplitude - m.scale * m.levels[k].level) ** 2 / v2;
    if (s > bestScore) [best, bestScore] = [k, s];
  }
  const ll = (k: number) => -((amplitude - m.scale * m.levels[k].level) ** 2) / v2;
  return { index: best, logLikelihoodRatio: ll(best) - ll(host) };
}

/** A defect level closer to the host level than this many noise standard deviations is not read (see {@link fitReadableMixture}). */
export const MIN_LEVEL_SEPARATION_SD = 3;

/**
 * {@link fitOccupancyMixture}, then without the defect levels the frame's noise cannot tell from the
 * host: a level L with |1 - L| mu < {@link MIN_LEVEL_SEPARATION_SD} x noise is dropped and the
 * mixture refitted, until every remaining level is separable (at 3 standard deviations the host's
 * tail beyond the midpoint is 7 % and a rare defect's calls would be mostly host columns: such a kind
 * is not read rather than read badly).
 * @returns the mixture (its `levels` are the ones read) and the defect names dropped; null as fitOccupancyMixture
 */
export function fitReadableMixture(amplitudes: readonly number[], levels: readonly OccupancyLevel[], opts: OccupancyMixtureOptions = {}): { mixture: OccupancyMixture; dropped: string[] } | null {
  let offered = [...levels];
  const dropped: string[] = [];
  for (;;) {
    const m = fitOccupancyMixture(amplitudes, offered, opts);
    if (!m) return null;
    const bad = offered.filter((l) => l.defect !== null && Math.abs(1 - l.level) * m.scale < MIN_LEVEL_SEPARATION_SD * m.noise);
    if (!bad.length) return { mixture: m, dropped };
    // drop the least separable one and refit (the noise shrinks when a spurious component goes)
    const worst = bad.reduce((p, q) => (Math.abs(1 - q.level) < Math.abs(1 - p.level) ? q : p));
    dropped.push(worst.defect!);
    offered = offered.filter((l) => l !== worst);
  }
}
