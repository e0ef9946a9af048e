/**
 * A Gaussian mixture invariant under the operations of a point group: the transformation-invariant
 * mixture of Frey & Jojic, IEEE TPAMI 25, 1 (2003), with the group operation g as a hidden variable
 * of each instance, uniform over the group and marginalised in the E-step:
 *
 *   p(x) = Σ_k π_k Σ_g (1/|G|) N(T_g x | μ_k, Σ_k)
 *
 * For neighbour descriptors, T_g rotates (and mirrors) every neighbour vector and then permutes the
 * neighbours to match the class mean (Hungarian matching), since an operation also relabels which
 * neighbour is which. A Si-C4 seen in three orientations is then one class; the idea for atomic
 * configurations is that of Ziatdinov et al., Adv. Funct. Mater. 29, 1904480 (2019).
 *
 * Each instance gets its most probable class and orientation. The orientation is reported modulo the
 * class's own symmetry (its stabiliser H in the group: operations that map the class mean onto
 * itself): poses p and p·h are the same physical orientation, so the posterior is summed over each
 * coset p·H, and the coset's representative gives a rotation angle and a mirror flag. A Si-C3 at 0,
 * 120 and 240 degrees is one orientation.
 *
 * Initialisation: greedy k-means++ seeding and Lloyd iterations under the invariant distance
 * min_g |T_g x - μ|² (k-means with alignment, best of several runs), then EM; `nInit` restarts keep
 * the best likelihood. After every M-step each class mean is symmetrised over the operations that
 * leave it (nearly) unchanged, which removes the alignment bias of template averaging (distorted
 * instances aligned to a mean reinforce one distortion).
 * The matching makes each E-step's views depend on the current means, so EM is monotone only up to
 * changes of the matching (in practice it is; the plain mixture in gaussianMixture.ts is strictly so).
 */
import {
  type CovarianceType,
  type PrecisionFactor,
  WeightedMoments,
  precisionCholesky,
  logGaussianDensity,
  logSumExp,
  mixtureParameters,
} from './gaussianMixture.ts';
import { type PointGroup, applyOp, inverseOp, poseCosets, stabiliser, pointGroup } from './pointGroups.ts';
import { matchToTemplate } from './neighbourDescriptors.ts';
import { AssignmentWorkspace, solveSquareAssignment } from '../../numerics/linearAssignment.ts';
import { Random } from '../../data/random.ts';

/** The data of a transformation-invariant mixture: each instance seen under every group operation. */
export interface TransformedViews {
  /** Instances. */
  readonly n: number;
  /** Features per view. */
  readonly d: number;
  /** The group whose operations are the hidden variable. */
  readonly group: PointGroup;
  /** Instance i as stored (identity view, in its own order), length d. */
  raw(i: number): Float64Array;
  /**
   * Instance i under every operation g (`out[g*d .. g*d+d)`), each matched (neighbours permuted) to
   * `ref` where the view depends on it. Op g is applied to the instance: view_g ≈ ref when g aligns it.
   * @param sqDist optional output: squared distance of each view from `ref` (length |G|)
   */
  views(i: number, ref: Float64Array, out: Float64Array, sqDist?: Float64Array): void;
  /** How far `ref` moves under operation h (RMS per slot, feature units); 0 for the identity. */
  selfDistance(ref: Float64Array, h: number): number;
  /**
   * Optional: a lower bound, cheaper than {@link views}, of the smallest squared distance of instance i's
   * views from `ref` (the minimum over g of `sqDist[g]`), with an allowance for rounding taken off, so
   * that a computed distance is never below it. Searches for the nearest of several references skip a
   * reference whose bound exceeds the best distance found (invariantKMeans).
   */
  lowerBound?(i: number, ref: Float64Array): number;
  /** `ref` under operation h, matched back onto `ref`'s own slots (optional; enables symmetrised means). */
  transformed?(ref: Float64Array, h: number): Float64Array;
}

/**
 * Views of neighbour descriptors (dynamics/configurations/neighbourDescriptors.ts): op g rotates/mirrors each
 * neighbour vector, then the neighbours are matched to the reference's slots.
 */
export class NeighbourViews implements TransformedViews {
  readonly n: number;
  readonly d: number;
  readonly group: PointGroup;
  readonly k: number;
  readonly stride: number;
  private readonly data: Float64Array[];
  private readonly rotated: Float64Array[];
  private readonly ws: AssignmentWorkspace;
  private readonly cost: Float64Array;
  private readonly assignment: Int32Array;
  private readonly refNorms: Float64Array;
  /** |u| of each slot of each instance (for {@link lowerBound}). */
  private readonly norms: Float64Array[];
  /** Squared norm of each instance's descriptor (the rounding allowance of {@link lowerBound}). */
  private readonly sqNorms: Float64Array;

  /**
   * @param descriptors one `k * stride` array per instance
   * @param k slots per descriptor
   * @param stride values per slot (2 + species channels)
   * @param group the point group (its ops act on the vector part of every slot)
   */
  constructor(descriptors: Float64Array[], k: number, stride: number, group: PointGroup) {
    this.n = descriptors.length;
    this.k = k;
    this.stride = stride;
    this.d = k * stride;
    this.group = group;
    this.data = descriptors;
    const G = group.ops.length;
    // precompute every instance under every op (before matching)
    this.rotated = descriptors.map((x) => {
      if (x.length !== this.d) throw new RangeError(`descriptor has ${x.length} values, expected ${this.d}`);
      const r = new Float64Array(G * this.d);
      for (let g = 0; g < G; g++) applyOp(group.ops[g], x, stride, r.subarray(g * this.d, (g + 1) * this.d));
      return r;
    });
    this.ws = new AssignmentWorkspace(k);
    this.cost = new Float64Array(k * k);
    this.assignment = new Int32Array(k);
    this.refNorms = new Float64Array(k);
    this.norms = descriptors.map((x) => Float64Array.from({ length: k }, (_, s) => Math.hypot(x[s * stride], x[s * stride + 1])));
    this.sqNorms = Float64Array.from(descriptors, (x) => x.reduce((t, v) => t + v * v, 0));
  }

  raw(i: number): Float64Array {
    return this.data[i];
  }

  views(i: number, ref: Float64Array, out: Float64Array, sqDist?: Float64Array): void {
    const G = this.group.ops.length;
    const r = this.rotated[i];
    for (let g = 0; g < G; g++) {
      const dist = matchToTemplate(r, ref, this.k, this.stride, out, this.ws, undefined, this.cost, g * this.d, g * this.d);
      if (sqDist) sqDist[g] = dist;
    }
  }

  /**
   * Every operation rotates or mirrors the vector part (ux, uy) of each slot and leaves its species
   * channels alone, so by the reverse triangle inequality the cost of matching slot i to slot j under
   * any operation is at least (|u_i| - |u'_j|)^2 + |species_i - species'_j|^2. The best assignment of
   * those costs (one k x k assignment instead of one per operation) bounds the invariant distance from
   * below; 1e-9 of the two descriptors' squared norms is taken off for rounding.
   */
  lowerBound(i: number, ref: Float64Array): number {
    const { k, stride } = this;
    const a = this.data[i];
    const na = this.norms[i];
    const c = this.cost;
    let scale = this.sqNorms[i];
    for (let j = 0; j < k; j++) {
      const bx = ref[j * stride], by = ref[j * stride + 1];
      this.refNorms[j] = Math.sqrt(bx * bx + by * by);
      for (let f = 0; f < stride; f++) scale += ref[j * stride + f] * ref[j * stride + f];
    }
    for (let s = 0; s < k; s++) {
      for (let j = 0; j < k; j++) {
        const dn = na[s] - this.refNorms[j];
        let d2 = dn * dn;
        for (let f = 2; f < stride; f++) {
          const t = a[s * stride + f] - ref[j * stride + f];
          d2 += t * t;
        }
        c[s * k + j] = d2;
      }
    }
    const match = solveSquareAssignment(c, k, this.assignment, this.ws);
    let total = 0;
    for (let s = 0; s < k; s++) total += c[s * k + match[s]];
    return total - 1e-9 * scale;
  }

  selfDistance(ref: Float64Array, h: number): number {
    const t = applyOp(this.group.ops[h], ref, this.stride);
    const out = new Float64Array(this.d);
    const d2 = matchToTemplate(t, ref, this.k, this.stride, out, this.ws, undefined, this.cost);
    return Math.sqrt(d2 / this.k);
  }

  transformed(ref: Float64Array, h: number): Float64Array {
    const t = applyOp(this.group.ops[h], ref, this.stride);
    const out = new Float64Array(this.d);
    matchToTemplate(t, ref, this.k, this.stride, out, this.ws, undefined, this.cost);
    return out;
  }
}

/**
 * Views computed in advance and independent of the reference (e.g. PCA scores of rotated
 * sub-images): `views[i]` holds |G| * d values.
 */
export class PrecomputedViews implements TransformedViews {
  readonly n: number;
  readonly d: number;
  readonly group: PointGroup;
  private readonly data: Float64Array[];
  private readonly self: (ref: Float64Array, h: number) => number;

  /**
   * @param views per instance, |G| * d values (op-major)
   * @param selfDistance how far a reference moves under op h
   */
  constructor(views: Float64Array[], d: number, group: PointGroup, selfDistance: (ref: Float64Array, h: number) => number) {
    this.n = views.length;
    this.d = d;
    this.group = group;
    this.data = views;
    this.self = selfDistance;
    const G = group.ops.length;
    for (const v of views) if (v.length !== G * d) throw new RangeError(`a view set has ${v.length} values, expected ${G * d}`);
  }

  raw(i: number): Float64Array {
    return this.data[i].subarray(0, this.d);
  }

  views(i: number, ref: Float64Array, out: Float64Array, sqDist?: Float64Array): void {
    out.set(this.data[i]);
    if (sqDist) {
      const G = this.group.ops.length;
      for (let g = 0; g < G; g++) {
        let s = 0;
        for (let j = 0; j < this.d; j++) s += (out[g * this.d + j] - ref[j]) ** 2;
        sqDist[g] = s;
      }
    }
  }

  selfDistance(ref: Float64Array, h: number): number {
    return this.self(ref, h);
  }
}

/** Settings of {@link SymmetricMixture}. */
export interface SymmetricMixtureOptions {
  /** Number of classes K (>= 1). */
  nComponents: number;
  /** Covariance structure; default 'full'. */
  covarianceType?: CovarianceType;
  /** Added to every covariance diagonal (feature units squared); default 1e-6. */
  regCovar?: number;
  /** EM iterations per initialisation; default 100. */
  maxIter?: number;
  /** Convergence threshold on the change of mean log-likelihood per instance; default 1e-4. */
  tol?: number;
  /** Initialisations (invariant k-means++ + k-means, then EM); the best likelihood is kept; default 3. */
  nInit?: number;
  /** Lloyd iterations of the invariant k-means initialisation; default 20. */
  kmeansIter?: number;
  /** Invariant k-means runs per initialisation, the one of lowest inertia starts EM; default 4. */
  kmeansRuns?: number;
  /** Seed; default 0. */
  seed?: number;
  /**
   * Tolerance (feature units, RMS per slot) below which an operation counts as a symmetry of a class
   * mean; default: twice the RMS spread of the class (sqrt of the mean covariance diagonal).
   */
  symmetryTolerance?: number;
  /**
   * Symmetrise each class mean over the operations that (within the symmetry tolerance) leave it
   * unchanged, after every M-step (default true; needs views with `transformed`). Without it, nearly
   * hard alignments of distorted instances reinforce one distortion and the mean loses the class's
   * symmetry (alignment bias of template averaging).
   */
  symmetrise?: boolean;
  /** Called after every EM iteration. */
  onIteration?: (init: number, iteration: number, lowerBound: number) => void;
}

/** Per-instance result of {@link SymmetricMixtureModel.posterior}. */
export interface InstancePosterior {
  /** Most probable class. */
  state: number;
  /** Its posterior probability (summed over operations). */
  probability: number;
  /** Posterior of every class, length K. */
  probabilities: Float64Array;
  /** Most probable pose of the instance relative to its class mean (coset representative op index). */
  poseOp: number;
  /** Rotation of that pose, degrees, counter-clockwise on screen, modulo the class's own symmetry. */
  rotationDeg: number;
  /** True when the pose includes a mirror (never for a mirror-symmetric class). */
  mirror: boolean;
  /** Posterior probability of that orientation (within the class). */
  poseProbability: number;
  /** Operation aligning the instance onto its class mean (inverse of poseOp, before reduction). */
  alignOp: number;
  /** The instance aligned onto its class mean (the view under alignOp), length d. */
  aligned: Float64Array;
  /** log p(x) under the model. */
  logLikelihood: number;
}

/** Plain-data form of a fitted symmetric mixture. */
export interface SymmetricMixtureJSON {
  kind: 'atomdyn-symmetric-mixture/1';
  pointGroup: string;
  covarianceType: CovarianceType;
  nComponents: number;
  nFeatures: number;
  weights: number[];
  means: number[][];
  covariances: number[][];
  stabilisers: number[][];
  lowerBound: number;
  lowerBounds: number[];
  converged: boolean;
  nIter: number;
  nSamples: number;
  settings: Record<string, unknown>;
}

/** A fitted transformation-invariant mixture. Immutable. */
export class SymmetricMixtureModel {
  readonly group: PointGroup;
  readonly covarianceType: CovarianceType;
  readonly nComponents: number;
  readonly nFeatures: number;
  readonly weights: Float64Array;
  /** Class means in the canonical orientation, K vectors of d. */
  readonly means: readonly Float64Array[];
  /** Covariances as in GaussianMixtureModel ('full' d*d, 'diag' d, 'spherical' 1). */
  readonly covariances: readonly Float64Array[];
  /** Own symmetry of each class: op indices of its stabiliser (identity included). */
  readonly stabilisers: readonly (readonly number[])[];
  readonly lowerBound: number;
  readonly lowerBounds: readonly number[];
  readonly converged: boolean;
  readonly nIter: number;
  readonly nSamples: number;
  readonly settings: Readonly<Record<string, unknown>>;
  private readonly factors: PrecisionFactor[];

  constructor(p: {
    group: PointGroup;
    covarianceType: CovarianceType;
    weights: ArrayLike<number>;
    means: ArrayLike<number>[];
    covariances: ArrayLike<number>[];
    stabilisers: number[][];
    lowerBound?: number;
    lowerBounds?: number[];
    converged?: boolean;
    nIter?: number;
    nSamples?: number;
    settings?: Record<string, unknown>;
  }) {
    this.group = p.group;
    this.covarianceType = p.covarianceType;
    this.nComponents = p.weights.length;
    this.nFeatures = p.means[0]?.length ?? 0;
    this.weights = Float64Array.from(p.weights);
    this.means = Object.freeze(p.means.map((m) => Float64Array.from(m)));
    this.covariances = Object.freeze(p.covariances.map((c) => Float64Array.from(c)));
    this.stabilisers = Object.freeze(p.stabilisers.map((s) => Object.freeze([...s])));
    this.lowerBound = p.lowerBound ?? NaN;
    this.lowerBounds = Object.freeze([...(p.lowerBounds ?? [])]);
    this.converged = p.converged ?? true;
    this.nIter = p.nIter ?? 0;
    this.nSamples = p.nSamples ?? 0;
    this.settings = Object.freeze({ ...(p.settings ?? {}) });
    this.factors = this.covariances.map((c) => precisionCholesky(c, this.covarianceType, this.nFeatures));
  }

  /** Free parameters: as a plain mixture of the same shape (the operation prior is fixed, uniform). */
  nParameters(): number {
    return mixtureParameters(this.covarianceType, this.nComponents, this.nFeatures);
  }

  /** log p(x_i) for every instance. */
  scoreSamples(v: TransformedViews): Float64Array {
    return Float64Array.from(this.posterior(v), (p) => p.logLikelihood);
  }

  /** Mean log-likelihood per instance. */
  score(v: TransformedViews): number {
    const s = this.scoreSamples(v);
    let t = 0;
    for (const x of s) t += x;
    return t / s.length;
  }

  /**
   * BIC on the given instances: `-2 (nEff/n) Σ log p(x_i) + p ln nEff`. With `nEffective` (the
   * number of independent observations, e.g. dwell segments) the log-likelihood is scaled to that
   * many samples; default n.
   */
  bic(v: TransformedViews, nEffective?: number): number {
    const n = v.n;
    const ne = nEffective ?? n;
    return -2 * this.score(v) * ne + this.nParameters() * Math.log(ne);
  }

  /** AIC on the given instances (same scaling as {@link bic}). */
  aic(v: TransformedViews, nEffective?: number): number {
    const ne = nEffective ?? v.n;
    return -2 * this.score(v) * ne + 2 * this.nParameters();
  }

  /** Class, orientation and alignment of every instance. */
  posterior(v: TransformedViews): InstancePosterior[] {
    checkCompatible(this, v);
    const K = this.nComponents;
    const G = this.group.ops.length;
    const d = this.nFeatures;
    const logG = Math.log(G);
    const lw = Array.from(this.weights, (w) => Math.log(w));
    const bufs = Array.from({ length: K }, () => new Float64Array(G * d));
    const lp = new Float64Array(K * G);
    const cosets = this.stabilisers.map((h) => poseCosets(this.group, [...h]));
    const out: InstancePosterior[] = [];
    for (let i = 0; i < v.n; i++) {
      for (let k = 0; k < K; k++) {
        v.views(i, this.means[k], bufs[k]);
        for (let g = 0; g < G; g++) lp[k * G + g] = lw[k] - logG + logGaussianDensity(bufs[k], this.means[k], this.factors[k], this.covarianceType, d, g * d);
      }
      const l = logSumExp(lp);
      const probs = new Float64Array(K);
      for (let k = 0; k < K; k++) probs[k] = Math.exp(logSumExp(lp, k * G, (k + 1) * G) - l);
      let state = 0;
      for (let k = 1; k < K; k++) if (probs[k] > probs[state]) state = k;
      // orientation: posterior over cosets of the class's stabiliser
      const { cosetOf, representatives } = cosets[state];
      const cp = new Float64Array(representatives.length);
      let bestG = 0;
      for (let g = 0; g < G; g++) {
        const r = Math.exp(lp[state * G + g] - l);
        cp[cosetOf[inverseOp(this.group, g)]] += r;
        if (lp[state * G + g] > lp[state * G + bestG]) bestG = g;
      }
      let bc = 0;
      for (let c = 1; c < cp.length; c++) if (cp[c] > cp[bc]) bc = c;
      const poseOp = representatives[bc];
      const op = this.group.ops[poseOp];
      out.push({
        state,
        probability: probs[state],
        probabilities: probs,
        poseOp,
        rotationDeg: op.rotationDeg,
        mirror: op.mirror,
        poseProbability: probs[state] > 0 ? cp[bc] / probs[state] : 0,
        alignOp: bestG,
        aligned: Float64Array.from(bufs[state].subarray(bestG * d, (bestG + 1) * d)),
        logLikelihood: l,
      });
    }
    return out;
  }

  toJSON(): SymmetricMixtureJSON {
    return {
      kind: 'atomdyn-symmetric-mixture/1',
      pointGroup: this.group.name,
      covarianceType: this.covarianceType,
      nComponents: this.nComponents,
      nFeatures: this.nFeatures,
      weights: Array.from(this.weights),
      means: this.means.map((m) => Array.from(m)),
      covariances: this.covariances.map((c) => Array.from(c)),
      stabilisers: this.stabilisers.map((s) => [...s]),
      lowerBound: this.lowerBound,
      lowerBounds: [...this.lowerBounds],
      converged: this.converged,
      nIter: this.nIter,
      nSamples: this.nSamples,
      settings: { ...this.settings },
    };
  }

  /** @throws RangeError when the object is not a serialised symmetric mixture */
  static fromJSON(j: SymmetricMixtureJSON): SymmetricMixtureModel {
    if (!j || j.kind !== 'atomdyn-symmetric-mixture/1') throw new RangeError('not a serialised atomdyn symmetric mixture');
    return new SymmetricMixtureModel({ ...j, group: pointGroup(j.pointGroup) });
  }
}

function checkCompatible(m: SymmetricMixtureModel, v: TransformedViews): void {
  if (v.d !== m.nFeatures) throw new RangeError(`views have ${v.d} features, the model ${m.nFeatures}`);
  if (v.group.ops.length !== m.group.ops.length) throw new RangeError(`views use point group ${v.group.name}, the model ${m.group.name}`);
}

interface FitState {
  weights: Float64Array;
  means: Float64Array[];
  covariances: Float64Array[];
  factors: PrecisionFactor[];
}

/** The estimator. `fit(views)` returns a {@link SymmetricMixtureModel}. */
export class SymmetricMixture {
  readonly options: Readonly<Required<Omit<SymmetricMixtureOptions, 'symmetryTolerance' | 'onIteration'>>> & Pick<SymmetricMixtureOptions, 'symmetryTolerance' | 'onIteration'>;


  /** @throws RangeError on invalid settings */
  constructor(options: SymmetricMixtureOptions) {
    const o = { covarianceType: 'full' as CovarianceType, regCovar: 1e-6, maxIter: 100, tol: 1e-4, nInit: 3, kmeansIter: 20, kmeansRuns: 4, seed: 0, symmetrise: true, ...options };
    if (!Number.isInteger(o.nComponents) || o.nComponents < 1) throw new RangeError(`nComponents must be an integer >= 1, got ${o.nComponents}`);
    if (!['full', 'diag', 'spherical'].includes(o.covarianceType)) throw new RangeError(`unknown covariance type '${o.covarianceType}'`);
    if (!(o.regCovar >= 0)) throw new RangeError('regCovar must be >= 0');
    if (!(Number.isInteger(o.maxIter) && o.maxIter >= 1)) throw new RangeError('maxIter must be an integer >= 1');
    if (!(Number.isInteger(o.nInit) && o.nInit >= 1)) throw new RangeError('nInit must be an integer >= 1');
    this.options = Object.freeze(o);
  }

  /**
   * Fit by EM with the operation marginalised.
   * @param start optional model to start the first initialisation from (warm start, e.g. the fit on
   *   one instance per dwell segment); the other `nInit - 1` initialisations start from k-means
   * @throws RangeError when there are fewer instances than classes; IllDefinedCovarianceError when a
   *   covariance collapses (raise regCovar)
   */
  fit(v: TransformedViews, start?: SymmetricMixtureModel): SymmetricMixtureModel {
    const o = this.options;
    const K = o.nComponents;
    if (v.n < K) throw new RangeError(`expected at least ${K} instances for ${K} classes, got ${v.n}`);
    if (start && (start.nComponents !== K || start.nFeatures !== v.d || start.covarianceType !== o.covarianceType)) {
      throw new RangeError('the starting model does not match the number of classes, features or covariance type');
    }
    const rng = new Random(o.seed);
    let best: { st: FitState; lb: number; history: number[]; nIter: number; converged: boolean } | null = null;
    for (let init = 0; init < o.nInit; init++) {
      let st =
        init === 0 && start
          ? {
              weights: Float64Array.from(start.weights),
              means: start.means.map((m) => Float64Array.from(m)),
              covariances: start.covariances.map((c) => Float64Array.from(c)),
              factors: start.covariances.map((c) => precisionCholesky(Float64Array.from(c), o.covarianceType, v.d)),
            }
          : this.initialise(v, rng);
      let lb = -Infinity;
      let converged = false;
      let nIter = 0;
      const history: number[] = [];
      for (let it = 1; it <= o.maxIter; it++) {
        nIter = it;
        const prev = lb;
        const r = emStep(v, st, o.covarianceType, o.regCovar, o.symmetrise ? o.symmetryTolerance ?? null : undefined);
        lb = r.lowerBound;
        st = r.next;
        history.push(lb);
        o.onIteration?.(init, it, lb);
        if (Math.abs(lb - prev) < o.tol) {
          converged = true;
          break;
        }
      }
      if (best === null || lb > best.lb) best = { st, lb, history, nIter, converged };
    }
    const b = best!;
    const stabilisers = b.st.means.map((mu, k) => {
      const tol = o.symmetryTolerance ?? 2 * rmsSpread(b.st.covariances[k], o.covarianceType, v.d);
      return stabiliser(v.group, (h) => v.selfDistance(mu, h), tol);
    });
    return new SymmetricMixtureModel({
      group: v.group,
      covarianceType: o.covarianceType,
      weights: b.st.weights,
      means: b.st.means,
      covariances: b.st.covariances,
      stabilisers,
      lowerBound: b.lb,
      lowerBounds: b.history,
      converged: b.converged,
      nIter: b.nIter,
      nSamples: v.n,
      settings: {
        nComponents: K,
        covarianceType: o.covarianceType,
        regCovar: o.regCovar,
        maxIter: o.maxIter,
        tol: o.tol,
        nInit: o.nInit,
        kmeansIter: o.kmeansIter,
        kmeansRuns: o.kmeansRuns,
        seed: o.seed,
        symmetrise: o.symmetrise,
        pointGroup: v.group.name,
      },
    });
  }

  /**
   * Invariant k-means: greedy k-means++ seeding (Arthur & Vassilvitskii, SODA 2007; 2 + ln K candidates
   * per centre, as scikit-learn) and Lloyd iterations, both under the invariant distance
   * min_g |view_g - centre|²; the best of `kmeansRuns` runs (lowest inertia) gives the hard partition
   * from which the Gaussian parameters start.
   */
  private initialise(v: TransformedViews, rng: Random): FitState {
    const o = this.options;
    const K = o.nComponents;
    const d = v.d;
    let best: { inertia: number; centres: Float64Array[]; moments: WeightedMoments[] } | null = null;
    for (let run = 0; run < o.kmeansRuns; run++) {
      const r = invariantKMeans(v, K, rng, o.kmeansIter, o.covarianceType);
      if (best === null || r.inertia < best.inertia) best = r;
    }
    const { centres, moments } = best!;
    const weights = new Float64Array(K);
    const covariances: Float64Array[] = [];
    const factors: PrecisionFactor[] = [];
    for (let k = 0; k < K; k++) {
      weights[k] = Math.max(moments[k].w, 1e-10) / v.n;
      const cov = moments[k].w > 1 ? moments[k].covariance(o.covarianceType, o.regCovar, 0) : constantCov(o.covarianceType, d, Math.max(o.regCovar, 1e-6));
      covariances.push(cov);
      factors.push(precisionCholesky(cov, o.covarianceType, d));
    }
    let s = 0;
    for (const w of weights) s += w;
    for (let k = 0; k < K; k++) weights[k] /= s;
    return { weights, means: centres.map((c) => Float64Array.from(c)), covariances, factors };
  }
}

/**
 * One run of k-means under the invariant distance (alignment by the group's operations).
 * @returns the centres, the moments of each cluster's aligned members, and the inertia (sum of squared invariant distances)
 */
export function invariantKMeans(
  v: TransformedViews,
  K: number,
  rng: Random,
  maxIter: number,
  type: CovarianceType = 'full',
): { inertia: number; centres: Float64Array[]; moments: WeightedMoments[]; labels: Int32Array } {
  const G = v.group.ops.length;
  const d = v.d;
  const buf = new Float64Array(G * d);
  const sq = new Float64Array(G);
  const invDist = (i: number, ref: Float64Array): { d2: number; g: number } => {
    v.views(i, ref, buf, sq);
    let g = 0;
    for (let h = 1; h < G; h++) if (sq[h] < sq[g]) g = h;
    return { d2: sq[g], g };
  };
  // greedy k-means++ seeding
  const centres: Float64Array[] = [Float64Array.from(v.raw(rng.int(v.n)))];
  let closest: Float64Array = new Float64Array(v.n);
  for (let i = 0; i < v.n; i++) closest[i] = invDist(i, centres[0]).d2;
  const trials = 2 + Math.floor(Math.log(K));
  while (centres.length < K) {
    let total = 0;
    for (const c of closest) total += c;
    let bestPot = Infinity;
    let bestC: Float64Array | null = null;
    let bestD: Float64Array | null = null;
    for (let t = 0; t < trials; t++) {
      let pick = rng.int(v.n);
      if (total > 0) {
        let u = rng.uniform() * total;
        for (pick = 0; pick < v.n - 1; pick++) {
          u -= closest[pick];
          if (u <= 0) break;
        }
      }
      const c = Float64Array.from(v.raw(pick));
      const nd = new Float64Array(v.n);
      let pot = 0;
      for (let i = 0; i < v.n; i++) {
        // a reference no nearer than the nearest centre so far leaves the distance as it is
        nd[i] = v.lowerBound && v.lowerBound(i, c) > closest[i] ? closest[i] : Math.min(closest[i], invDist(i, c).d2);
        pot += nd[i];
      }
      if (pot < bestPot) {
        bestPot = pot;
        bestC = c;
        bestD = nd;
      }
    }
    centres.push(bestC!);
    closest = bestD!;
  }
  // Lloyd iterations with alignment
  const labels = new Int32Array(v.n).fill(-1);
  const lb = v.lowerBound ? new Float64Array(K) : null;
  const bestViews = new Float64Array(G * d);
  const order = Array.from({ length: K }, (_, k) => k);
  let moments: WeightedMoments[] = [];
  let inertia = Infinity;
  for (let it = 0; it < Math.max(1, maxIter); it++) {
    moments = centres.map((c) => new WeightedMoments(d, type, c));
    let changed = 0;
    const dist = new Float64Array(v.n);
    inertia = 0;
    for (let i = 0; i < v.n; i++) {
      let bk = 0;
      let bd = Infinity;
      let bg = 0;
      // the centres in the order of their lower bounds (where the views give one): a centre whose bound
      // exceeds the best distance found cannot be nearer, so its views are not computed; ties keep the
      // lowest index, as a scan of every centre in order does
      if (lb) for (let k = 0; k < K; k++) lb[k] = v.lowerBound!(i, centres[k]);
      if (lb) order.sort((a, b) => lb[a] - lb[b] || a - b);
      for (const k of order) {
        if (lb && lb[k] > bd) continue;
        const r = invDist(i, centres[k]);
        if (r.d2 < bd || (r.d2 === bd && k < bk)) {
          bd = r.d2;
          bk = k;
          bg = r.g;
          bestViews.set(buf); // the nearest centre's views, for its moments below
        }
      }
      dist[i] = bd;
      inertia += bd;
      if (labels[i] !== bk) changed++;
      labels[i] = bk;
      if (bd === Infinity) v.views(i, centres[bk], bestViews); // no distance was finite: as before, centre 0's views
      moments[bk].add(bestViews, 1, bg * d);
    }
    // re-seed empty clusters with the farthest instance
    let reseeded = false;
    for (let k = 0; k < K; k++) {
      if (moments[k].w === 0) {
        let far = 0;
        for (let i = 1; i < v.n; i++) if (dist[i] > dist[far]) far = i;
        centres[k] = Float64Array.from(v.raw(far));
        dist[far] = 0;
        reseeded = true;
      } else centres[k] = moments[k].mean(0);
    }
    if (changed === 0 && !reseeded && it > 0) break;
  }
  return { inertia, centres, moments, labels };
}

function constantCov(type: CovarianceType, d: number, value: number): Float64Array {
  if (type === 'full') {
    const c = new Float64Array(d * d);
    for (let i = 0; i < d; i++) c[i * d + i] = value;
    return c;
  }
  return new Float64Array(type === 'diag' ? d : 1).fill(value);
}

/** Covariance about a new centre: cov + (old - new)(old - new)ᵀ (diagonal / mean-diagonal for diag / spherical). */
function shiftCovariance(cov: Float64Array, type: CovarianceType, d: number, oldMean: Float64Array, newMean: Float64Array): Float64Array {
  const out = Float64Array.from(cov);
  const dl = Float64Array.from(oldMean, (m, i) => m - newMean[i]);
  if (type === 'full') {
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] += dl[i] * dl[j];
  } else if (type === 'diag') {
    for (let i = 0; i < d; i++) out[i] += dl[i] * dl[i];
  } else {
    let s = 0;
    for (let i = 0; i < d; i++) s += dl[i] * dl[i];
    out[0] += s / d;
  }
  return out;
}

/** sqrt of the mean diagonal of a covariance. */
function rmsSpread(cov: Float64Array, type: CovarianceType, d: number): number {
  let s = 0;
  if (type === 'full') for (let i = 0; i < d; i++) s += cov[i * d + i];
  else if (type === 'diag') for (const c of cov) s += c;
  else s = cov[0] * d;
  return Math.sqrt(s / d);
}

/** One EM iteration: E-step with the current parameters (lower bound) and the M-step's new parameters. */
/**
 * One EM iteration.
 * @param symTol undefined: no symmetrisation; null: symmetrise with the default tolerance (twice the
 *   class's RMS spread); a number: that tolerance
 */
function emStep(v: TransformedViews, st: FitState, type: CovarianceType, reg: number, symTol?: number | null): { lowerBound: number; next: FitState } {
  const K = st.weights.length;
  const G = v.group.ops.length;
  const d = v.d;
  const logG = Math.log(G);
  const lw = Array.from(st.weights, (w) => Math.log(w));
  const bufs = Array.from({ length: K }, () => new Float64Array(G * d));
  const lp = new Float64Array(K * G);
  const moments = st.means.map((m) => new WeightedMoments(d, type, m));
  let total = 0;
  for (let i = 0; i < v.n; i++) {
    for (let k = 0; k < K; k++) {
      v.views(i, st.means[k], bufs[k]);
      for (let g = 0; g < G; g++) lp[k * G + g] = lw[k] - logG + logGaussianDensity(bufs[k], st.means[k], st.factors[k], type, d, g * d);
    }
    const l = logSumExp(lp);
    total += l;
    for (let k = 0; k < K; k++) {
      for (let g = 0; g < G; g++) {
        const r = Math.exp(lp[k * G + g] - l);
        // responsibilities below 1e-12 change no parameter measurably; skipping them saves most of the M-step
        if (r > 1e-12) moments[k].add(bufs[k], r, g * d);
      }
    }
  }
  const weights = new Float64Array(K);
  const means: Float64Array[] = [];
  const covariances: Float64Array[] = [];
  const factors: PrecisionFactor[] = [];
  for (let k = 0; k < K; k++) {
    weights[k] = (moments[k].w + 1e-15) / v.n;
    let mu = moments[k].mean();
    let cov = moments[k].covariance(type, reg);
    if (symTol !== undefined && v.transformed) {
      const tol = symTol ?? 2 * rmsSpread(cov, type, v.d);
      const H = stabiliser(v.group, (h) => v.selfDistance(mu, h), tol);
      if (H.length > 1) {
        const sym = new Float64Array(v.d);
        for (const h of H) {
          const t = h === 0 ? mu : v.transformed(mu, h);
          for (let j = 0; j < v.d; j++) sym[j] += t[j] / H.length;
        }
        cov = shiftCovariance(cov, type, v.d, mu, sym);
        mu = sym;
      }
    }
    means.push(mu);
    covariances.push(cov);
    factors.push(precisionCholesky(cov, type, d));
  }
  let s = 0;
  for (const w of weights) s += w;
  for (let k = 0; k < K; k++) weights[k] /= s;
  return { lowerBound: total / v.n, next: { weights, means, covariances, factors } };
}
