/**
 * What a fitted configuration classifier is made of, and how it classifies new neighbour
 * descriptors: the mixture (or k-means centroids) with the descriptor layout it was fitted in. Both
 * the fit (classifyConfigurations.ts) and a saved model applied to another movie
 * (configurationModel.ts) end in a {@link FitOutcome}, from which the rows are written, so that a
 * class means the same configuration in both.
 */
import { AtomdynError } from '../../data/errors.ts';
import { AssignmentWorkspace } from '../../numerics/linearAssignment.ts';
import { PCAModel, type PCAJSON } from '../../numerics/pca.ts';
import { GaussianMixtureModel, type GaussianMixtureJSON } from './gaussianMixture.ts';
import { matchToTemplate } from './neighbourDescriptors.ts';
import type { PointGroup } from './pointGroups.ts';
import { NeighbourViews, SymmetricMixtureModel, type SymmetricMixtureJSON } from './symmetricMixture.ts';
import type { BicPoint } from './modelSelection.ts';

/** Classification method. */
export type ClassifyMethod = 'sym-gmm' | 'gmm' | 'kmeans';

/** k-means centroids as saved in model.json. */
export interface KMeansJSON {
  kind: 'atomdyn-kmeans/1';
  centroids: number[][];
  iterations?: number;
  converged?: boolean;
}

/** Per-instance result of a fit or of applying a fitted classifier (instances in input order). */
export interface FitOutcome {
  k: number;
  /** Class per instance. */
  states: Int32Array;
  /** Posterior probability of the class (null for k-means). */
  probability: Array<number | null>;
  /** Orientation relative to the class mean, degrees (sym-gmm only). */
  rotation: Float64Array | null;
  mirror: boolean[] | null;
  /** Descriptor aligned onto its class (neighbour layout), null for image descriptors. */
  aligned: Array<Float64Array | null>;
  /** Operation aligning each instance to its class (0 for plain methods). */
  alignOp: Int32Array;
  /** Class weights of the model. */
  weights: number[];
  /** Each class's own symmetry (operation indices), sym-gmm only. */
  stabilisers: number[][] | null;
  /** Class mean in neighbour layout, when neighbour descriptors were used. */
  meanNeighbours: number[][] | null;
  /** The mixture as JSON. */
  modelJSON: unknown;
  bic: BicPoint[] | null;
  /** PCA applied before a plain fit on neighbour descriptors. */
  pca: PCAModel | null;
  /** Common slot order of a plain fit on neighbour descriptors (length k * stride). */
  template: Float64Array | null;
}

/** A fitted classifier on neighbour descriptors, as model.json holds it. */
export interface FittedNeighbourClassifier {
  method: ClassifyMethod;
  /** Neighbour slots and values per slot. */
  slots: number;
  stride: number;
  group: PointGroup;
  fit: SymmetricMixtureJSON | GaussianMixtureJSON | KMeansJSON;
  /** Plain methods: the common slot order the descriptors are matched to. */
  template: ArrayLike<number> | null;
  /** Plain methods: PCA before the mixture, or null. */
  pca: PCAJSON | null;
}

/**
 * Mean of the aligned descriptors of each class.
 * @param aligned descriptors in one slot order (length `length` each)
 * @param states class per descriptor
 * @param k number of classes
 * @param length descriptor length
 * @returns k means (zeros for an empty class)
 */
export function classMeans(aligned: ArrayLike<number>[], states: ArrayLike<number>, k: number, length: number): number[][] {
  return Array.from({ length: k }, (_, c) => {
    const mean = new Array<number>(length).fill(0);
    let cnt = 0;
    aligned.forEach((v, i) => {
      if (states[i] !== c) return;
      cnt++;
      for (let j = 0; j < length; j++) mean[j] += v[j];
    });
    return mean.map((v) => (cnt ? v / cnt : 0));
  });
}

/**
 * Classify neighbour descriptors with a fitted classifier: sym-gmm by the posterior of the
 * transformation-invariant mixture over the point group (orientation included); gmm and k-means
 * after matching each descriptor's slots to the saved template (and the saved PCA).
 *
 * @param descriptors one descriptor per instance (slots x stride values, the classifier's layout)
 * @param c the fitted classifier
 * @throws AtomdynError when a descriptor's length does not fit the layout
 */
export function applyFittedClassifier(descriptors: Float64Array[], c: FittedNeighbourClassifier): FitOutcome {
  const len = c.slots * c.stride;
  for (const d of descriptors) if (d.length !== len) throw new AtomdynError('', `a descriptor has ${d.length} values, the model's layout ${len} (${c.slots} slots x ${c.stride})`);
  const n = descriptors.length;
  if (c.method === 'sym-gmm') {
    const model = SymmetricMixtureModel.fromJSON(c.fit as SymmetricMixtureJSON);
    const post = n ? model.posterior(new NeighbourViews(descriptors, c.slots, c.stride, c.group)) : [];
    return {
      k: model.nComponents,
      states: Int32Array.from(post, (p) => p.state),
      probability: post.map((p) => p.probability),
      rotation: Float64Array.from(post, (p) => p.rotationDeg),
      mirror: post.map((p) => p.mirror),
      aligned: post.map((p) => p.aligned),
      alignOp: Int32Array.from(post, (p) => p.alignOp),
      weights: Array.from(model.weights),
      stabilisers: model.stabilisers.map((s) => [...s]),
      meanNeighbours: model.means.map((m) => Array.from(m)),
      modelJSON: c.fit,
      bic: null,
      pca: null,
      template: null,
    };
  }
  if (!c.template || c.template.length !== len) throw new AtomdynError('', `a ${c.method} model needs its template of ${len} values`);
  const ws = new AssignmentWorkspace(c.slots);
  const aligned = descriptors.map((d) => {
    const out = new Float64Array(len);
    matchToTemplate(d, c.template!, c.slots, c.stride, out, ws);
    return out;
  });
  let X = aligned.map((v) => Array.from(v));
  const pca = c.pca ? PCAModel.fromJSON(c.pca) : null;
  if (pca && X.length) X = pca.transform(X);
  let states: Int32Array;
  let probability: Array<number | null>;
  let weights: number[];
  let k: number;
  if (c.method === 'kmeans') {
    const centroids = (c.fit as KMeansJSON).centroids;
    k = centroids.length;
    states = Int32Array.from(X, (x) => {
      let best = 0, bestD = Infinity;
      centroids.forEach((m, j) => {
        let s = 0;
        for (let t = 0; t < m.length; t++) s += (x[t] - m[t]) ** 2;
        if (s < bestD) { bestD = s; best = j; }
      });
      return best;
    });
    probability = X.map(() => null);
    weights = Array.from({ length: k }, (_, j) => (n ? states.filter((s) => s === j).length / n : 0));
  } else {
    const m = GaussianMixtureModel.fromJSON(c.fit as GaussianMixtureJSON);
    k = m.nComponents;
    states = X.length ? m.predict(X) : new Int32Array(0);
    const pp = X.length ? m.predictProba(X) : [];
    probability = pp.map((p, i) => p[states[i]]);
    weights = Array.from(m.weights);
  }
  return {
    k, states, probability, rotation: null, mirror: null, aligned, alignOp: new Int32Array(n), weights, stabilisers: null,
    meanNeighbours: classMeans(aligned, states, k, len), modelJSON: c.fit, bic: null, pca, template: Float64Array.from(c.template),
  };
}
