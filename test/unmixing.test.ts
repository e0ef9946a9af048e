import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { PcaEstimator } from '../analytics/unmixing/pca.ts';
import { NmfEstimator } from '../analytics/unmixing/nmf.ts';
import { NFindrEstimator } from '../analytics/unmixing/nfindr.ts';
import { FastIcaEstimator } from '../analytics/unmixing/fastIca.ts';
import { KMeansEstimator } from '../analytics/unmixing/kmeans.ts';
import { AgglomerativeEstimator } from '../analytics/unmixing/agglomerative.ts';
import { adjustedRandIndex } from '../evaluation/adjustedRandIndex.ts';
import { Random } from '../data/random.ts';
import { blobData, icaData, nmfData, pcaData } from './helpers/unmixingData.ts';

// scikit-learn 1.2 answers on the same matrices (bench/peers/unmixing_sklearn.py)
const ref = JSON.parse(readFileSync(new URL('./fixtures/sklearn_unmixing_reference.json', import.meta.url), 'utf8'));

function absCos(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return Math.abs(ab) / Math.sqrt(aa * bb);
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n, mb = b.reduce((s, v) => s + v, 0) / n;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('PCA (analytics/unmixing/pca.ts) against scikit-learn', () => {
  for (const solver of ['full', 'randomized'] as const) {
    it(`${solver}: components |cos| >= 0.999, explained variance and scree match`, () => {
      const m = new PcaEstimator({ nComponents: 3, solver, screeComponents: 10 }).fit(pcaData());
      expect(m.solver).toBe(solver);
      m.components.forEach((c, k) => expect(absCos(c, ref.pca.components[k])).toBeGreaterThanOrEqual(0.999));
      for (let k = 0; k < 3; k++) expect(m.explainedVariance[k]).toBeCloseTo(ref.pca.explained_variance[k], 6);
      expect(m.scree.length).toBe(10);
      for (let k = 0; k < 4; k++) expect(m.scree[k]).toBeCloseTo(ref.pca.explained_variance_ratio[k], 5);
      // reconstruction error = sqrt((n-1) * the variance left out)
      const left = ref.pca.explained_variance.slice(3).reduce((s: number, v: number) => s + v, 0);
      expect(m.reconstructionError).toBeGreaterThanOrEqual(Math.sqrt(599 * left) * 0.999);
    });
  }

  it('auto picks the randomised solver for a large matrix and rejects too many components', () => {
    expect(new PcaEstimator({ nComponents: 3 }).fit(pcaData()).solver).toBe('randomized');
    expect(() => new PcaEstimator({ nComponents: 31 }).fit(pcaData())).toThrow(/at most 30/);
  });
});

describe('NMF (HALS)', () => {
  it('reconstruction error <= 1.05x scikit-learn cd/nndsvda, factors non-negative', () => {
    const m = new NmfEstimator({ nComponents: 4 }).fit(nmfData());
    expect(m.reconstructionError).toBeLessThanOrEqual(1.05 * ref.nmf.reconstruction_err);
    expect(Math.min(...m.loadings)).toBeGreaterThanOrEqual(0);
    for (const c of m.components) expect(Math.min(...c)).toBeGreaterThanOrEqual(0);
  });

  it('refuses negative data', () => {
    expect(() => new NmfEstimator({ nComponents: 1 }).fit([[1, -1], [2, 3]])).toThrow(/non-negative/);
  });
});

describe('FastICA', () => {
  it('recovers the true sources with |corr| >= 0.95 (scikit-learn reaches the values in the fixture)', () => {
    const { sources, X } = icaData();
    const m = new FastIcaEstimator({ nComponents: 3, seed: 1 }).fit(X);
    expect(m.converged).toBe(true);
    for (let t = 0; t < 3; t++) {
      const truth = sources.map((s) => s[t]);
      const best = Math.max(...[0, 1, 2].map((k) => Math.abs(pearson(truth, Array.from({ length: 2000 }, (_, i) => m.loadings[i * 3 + k])))));
      expect(best).toBeGreaterThanOrEqual(0.95);
      expect(ref.ica.abs_corr_to_sources[t]).toBeGreaterThanOrEqual(0.95);
    }
    // three components of a rank-3 mixture reconstruct it
    expect(m.reconstructionError).toBeLessThan(1e-6 * Math.sqrt(2000 * 4));
  });
});

describe('clustering', () => {
  it('k-means: ARI >= 0.99 against scikit-learn KMeans, inertia no worse', () => {
    const { X } = blobData();
    const m = new KMeansEstimator({ nComponents: 3, seed: 3 }).fit(X);
    expect(adjustedRandIndex(m.labels, ref.kmeans.labels)).toBeGreaterThanOrEqual(0.99);
    expect(m.inertia).toBeLessThanOrEqual(ref.kmeans.inertia * (1 + 1e-9));
    expect(m.reconstructionError).toBeCloseTo(Math.sqrt(m.inertia), 12);
  });

  it('agglomerative (Ward): ARI >= 0.99 against scikit-learn, dendrogram holds every sample once', () => {
    const { X } = blobData();
    const m = new AgglomerativeEstimator({ nComponents: 3 }).fit(X);
    expect(adjustedRandIndex(m.labels, ref.agglomerative.labels)).toBeGreaterThanOrEqual(0.99);
    const { nodes, root, leafOrder } = m.dendrogram;
    expect(nodes[root].size).toBe(300);
    expect([...leafOrder].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    // heights never decrease towards the root
    for (const node of nodes) for (const c of node.children) expect(nodes[c].height).toBeLessThanOrEqual(node.height + 1e-12);
  });
});

describe('N-FINDR', () => {
  it("recovers a synthetic simplex's endmembers and its abundances (non-negative, summing to one)", () => {
    const rng = new Random(5);
    const K = 3, d = 20, n = 400;
    const E = Array.from({ length: K }, () => Array.from({ length: d }, () => rng.uniform()));
    const A: number[][] = [];
    for (let i = 0; i < n; i++) {
      // pure samples at 0, 1, 2; then Dirichlet(1,1,1)
      const g = i < K ? [0, 1, 2].map((k) => (k === i ? 1 : 0)) : [rng.gamma(1), rng.gamma(1), rng.gamma(1)];
      const s = g.reduce((a, b) => a + b, 0);
      A.push(g.map((v) => v / s));
    }
    const X = A.map((a) => Array.from({ length: d }, (_, j) => a.reduce((s, ak, k) => s + ak * E[k][j], 0) + 0.002 * rng.normal()));
    const m = new NFindrEstimator({ nComponents: K }).fit(X);
    expect([...m.endmemberIndices].sort()).toEqual([0, 1, 2]);
    // abundance rows: non-negative, sum one, close to the truth
    let maxErr = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from(m.loadings.subarray(i * K, i * K + K));
      expect(Math.min(...row)).toBeGreaterThanOrEqual(0);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      for (let k = 0; k < K; k++) maxErr = Math.max(maxErr, Math.abs(row[k] - A[i][m.endmemberIndices[k]]));
    }
    expect(maxErr).toBeLessThan(0.05);
  });
});
