/**
 * k-means clustering of a [positions, features] matrix through `ml-kmeans` (Lloyd's algorithm with
 * k-means++ seeding; Arthur & Vassilvitskii, SODA 2007), restarted `nInit` times from seeds drawn from
 * one seeded generator, keeping the lowest inertia (scikit-learn's `KMeans`). Clusters are numbered
 * by their first member in row order, so equal partitions give equal labels.
 */
import { kmeans } from 'ml-kmeans';
import { Random } from '../../data/random.ts';
import { asDataMatrix, checkComponents, FittedUnmixing, frozenRows, type UnmixingInput } from './unmixingModel.ts';

/** Settings of {@link KMeansEstimator}. */
export interface KMeansOptions {
  /** Clusters K (integer >= 1, <= n). */
  nComponents: number;
  /** Restarts; default 4. */
  nInit?: number;
  /** Lloyd iterations per restart; default 300. */
  maxIter?: number;
  /** Seed (default 0). */
  seed?: number;
}

/** A fitted clustering (k-means or agglomerative). Immutable. Components are the K cluster means; loadings n x K one-hot; the error is sqrt(inertia). */
export class ClusteringModel extends FittedUnmixing {
  readonly method: 'kmeans' | 'agglomerative';
  /** Cluster of each sample, 0..K-1, numbered by first appearance. */
  readonly labels: Int32Array;
  /** Sum of squared distances of samples to their cluster mean. */
  readonly inertia: number;

  constructor(p: { method: 'kmeans' | 'agglomerative'; nSamples: number; nFeatures: number; components: readonly Float64Array[]; labels: Int32Array; inertia: number }) {
    const K = p.components.length;
    const loadings = new Float64Array(p.nSamples * K);
    p.labels.forEach((l, i) => (loadings[i * K + l] = 1));
    super({ ...p, loadings, explainedVariance: null, explainedVarianceRatio: null, reconstructionError: Math.sqrt(p.inertia) });
    this.method = p.method;
    this.labels = p.labels;
    this.inertia = p.inertia;
    if (new.target === ClusteringModel) Object.freeze(this);
  }
}

/**
 * Relabel clusters by first appearance and compute means and inertia.
 * @param raw any cluster ids, one per row of `data` (n x d)
 */
export function clusteringFromLabels(method: 'kmeans' | 'agglomerative', data: Float64Array, n: number, d: number, raw: ArrayLike<number>): ClusteringModel {
  const map = new Map<number, number>();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (!map.has(raw[i])) map.set(raw[i], map.size);
    labels[i] = map.get(raw[i])!;
  }
  const K = map.size;
  const means = Array.from({ length: K }, () => new Float64Array(d));
  const counts = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    counts[labels[i]]++;
    for (let j = 0; j < d; j++) means[labels[i]][j] += data[i * d + j];
  }
  means.forEach((mu, k) => mu.forEach((v, j) => (mu[j] = v / counts[k])));
  let inertia = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) inertia += (data[i * d + j] - means[labels[i]][j]) ** 2;
  return new ClusteringModel({ method, nSamples: n, nFeatures: d, components: frozenRows(means), labels, inertia });
}

/** The k-means estimator. */
export class KMeansEstimator {
  readonly options: Readonly<KMeansOptions>;

  constructor(options: KMeansOptions) {
    this.options = Object.freeze({ ...options });
  }

  /** @throws RangeError on bad input or K > n */
  fit(X: UnmixingInput): ClusteringModel {
    const m = asDataMatrix(X);
    const { n, d, data } = m;
    const K = this.options.nComponents;
    checkComponents(K, n, 'k-means');
    const rows = Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * d, (i + 1) * d)));
    const rng = new Random(this.options.seed ?? 0);
    let best: ClusteringModel | null = null;
    for (let r = 0; r < (this.options.nInit ?? 4); r++) {
      const res = kmeans(rows, K, { initialization: 'kmeans++', seed: rng.nextUint32(), maxIterations: this.options.maxIter ?? 300 });
      const model = clusteringFromLabels('kmeans', data, n, d, res.clusters);
      if (!best || model.inertia < best.inertia) best = model;
    }
    return best!;
  }
}
