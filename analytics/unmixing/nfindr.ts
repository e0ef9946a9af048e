/**
 * N-FINDR endmember extraction (Winter, Proc. SPIE 3753, 266 (1999)) with fully constrained
 * least-squares abundances (FCLS; Heinz & Chang, IEEE Trans. Geosci. Remote Sens. 39, 529 (2001)).
 *
 * The data are reduced to K - 1 principal components (analytics/unmixing/pca.ts); K samples are the
 * endmembers when the simplex they span there has the largest volume. The volume with endmember i
 * replaced by sample j is |det [1 ... 1; e_1 ... y_j ... e_K]|, linear in y_j: one cofactor vector per
 * i makes a sweep over all samples O(n K). Sweeps repeat until no replacement grows the volume.
 * The start is deterministic (the sample farthest from the mean, then greedily the sample farthest
 * from the affine hull of those chosen). Abundances per sample: non-negative least squares
 * (`ml-fcnnls`) on the endmembers in feature space, with the sum-to-one row weighted by δ⁻¹
 * (FCLS), then renormalised to sum exactly to one.
 */
import { Matrix, determinant } from 'ml-matrix';
import { fcnnls } from 'ml-fcnnls';
import { PcaEstimator } from './pca.ts';
import { asDataMatrix, checkComponents, FittedUnmixing, frozenRows, reconstructionError, type UnmixingFields, type UnmixingInput } from './unmixingModel.ts';

/** Settings of {@link NFindrEstimator}. */
export interface NFindrOptions {
  /** Endmembers K (integer >= 2). */
  nComponents: number;
  /** Maximum sweeps over all endmember slots; default 10 K. */
  maxSweeps?: number;
  /** Weight of the sum-to-one row relative to the endmember scale; default 100. */
  sumToOneWeight?: number;
  /** Seed of the randomised PCA used for large matrices (default 0). */
  seed?: number;
}

/** A fitted N-FINDR model. Immutable. Components are the K endmembers (rows of the data); loadings the n x K abundances, each row >= 0 and summing to one. */
export class NFindrModel extends FittedUnmixing {
  readonly method = 'nfindr' as const;
  /** Row index in the data of each endmember. */
  readonly endmemberIndices: Int32Array;
  /** Volume of the final simplex in the (K-1)-dimensional PCA space, times (K-1)!. */
  readonly simplexVolume: number;

  constructor(p: Omit<UnmixingFields, 'explainedVariance' | 'explainedVarianceRatio'> & { endmemberIndices: Int32Array; simplexVolume: number }) {
    super({ ...p, explainedVariance: null, explainedVarianceRatio: null });
    this.endmemberIndices = p.endmemberIndices;
    this.simplexVolume = p.simplexVolume;
    Object.freeze(this);
  }
}

/**
 * Fully constrained least squares: for each row x of `data` (n x d) the abundances a >= 0, Σa = 1
 * minimising ||x - Σ a_k e_k||, by `ml-fcnnls` with the sum-to-one constraint as an extra row of
 * weight `weight`. Returns n x K row-major, each row renormalised to sum to one.
 * @param endmembers K rows of d features
 */
export function fullyConstrainedAbundances(data: Float64Array, n: number, d: number, endmembers: readonly ArrayLike<number>[], weight = 100): Float64Array {
  const K = endmembers.length;
  let scale = 0;
  for (const e of endmembers) for (let j = 0; j < d; j++) scale += e[j] * e[j];
  const w = weight * Math.sqrt(scale / Math.max(1, K * d)) || weight;
  const E = new Matrix(d + 1, K);
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < d; j++) E.set(j, k, endmembers[k][j]);
    E.set(d, k, w);
  }
  const out = new Float64Array(n * K);
  const chunk = 2048;
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const m = Math.min(chunk, n - i0);
    const Y = new Matrix(d + 1, m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < d; j++) Y.set(j, i, data[(i0 + i) * d + j]);
      Y.set(d, i, w);
    }
    const { K: A } = fcnnls(E, Y);
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.max(0, A.get(k, i));
      for (let k = 0; k < K; k++) out[(i0 + i) * K + k] = s > 0 ? Math.max(0, A.get(k, i)) / s : 1 / K;
    }
  }
  return out;
}

/** The N-FINDR estimator. */
export class NFindrEstimator {
  readonly options: Readonly<NFindrOptions>;

  constructor(options: NFindrOptions) {
    this.options = Object.freeze({ ...options });
  }

  /**
   * Fit on n x d data.
   * @throws RangeError when K < 2, K - 1 exceeds min(n - 1, d), or the data are degenerate (all samples on a lower-dimensional plane)
   */
  fit(X: UnmixingInput): NFindrModel {
    const m = asDataMatrix(X);
    const { n, d } = m;
    const K = this.options.nComponents;
    if (K < 2) throw new RangeError('N-FINDR needs at least 2 endmembers');
    checkComponents(K - 1, Math.min(n - 1, d), 'N-FINDR');
    const pca = new PcaEstimator({ nComponents: K - 1, screeComponents: K - 1, seed: this.options.seed }).fit(m);
    const q = K - 1;
    const Y = pca.loadings; // n x q
    // deterministic start: farthest from the mean, then farthest from the affine hull of the chosen ones
    const chosen: number[] = [];
    const dist = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let c = 0; c < q; c++) dist[i] += Y[i * q + c] ** 2;
    chosen.push(argmax(dist));
    const basis: Float64Array[] = [];
    const origin = Y.slice(chosen[0] * q, chosen[0] * q + q);
    while (chosen.length < K) {
      for (let i = 0; i < n; i++) {
        const v = new Float64Array(q);
        for (let c = 0; c < q; c++) v[c] = Y[i * q + c] - origin[c];
        for (const b of basis) {
          let dot = 0;
          for (let c = 0; c < q; c++) dot += v[c] * b[c];
          for (let c = 0; c < q; c++) v[c] -= dot * b[c];
        }
        let s = 0;
        for (let c = 0; c < q; c++) s += v[c] * v[c];
        dist[i] = chosen.includes(i) ? -1 : s;
      }
      const next = argmax(dist);
      if (!(dist[next] > 0)) throw new RangeError('N-FINDR: the data span fewer dimensions than K - 1; use fewer endmembers');
      const v = new Float64Array(q);
      for (let c = 0; c < q; c++) v[c] = Y[next * q + c] - origin[c];
      for (const b of basis) {
        let dot = 0;
        for (let c = 0; c < q; c++) dot += v[c] * b[c];
        for (let c = 0; c < q; c++) v[c] -= dot * b[c];
      }
      const norm = Math.hypot(...v);
      basis.push(v.map((x) => x / norm));
      chosen.push(next);
    }
    const simplex = (idx: number[]) => {
      const E = new Matrix(K, K);
      idx.forEach((s, col) => {
        E.set(0, col, 1);
        for (let c = 0; c < q; c++) E.set(c + 1, col, Y[s * q + c]);
      });
      return E;
    };
    let volume = Math.abs(determinant(simplex(chosen)));
    const maxSweeps = this.options.maxSweeps ?? 10 * K;
    for (let sweep = 0; sweep < maxSweeps; sweep++) {
      let improved = false;
      for (let slot = 0; slot < K; slot++) {
        const E = simplex(chosen);
        // cofactors of column `slot`: det with column slot = v is Σ_r cof[r] v[r]
        const cof = new Float64Array(K);
        for (let r = 0; r < K; r++) {
          const minor = new Matrix(K - 1, K - 1);
          for (let a = 0, ra = 0; a < K; a++) {
            if (a === r) continue;
            for (let b = 0, cb = 0; b < K; b++) {
              if (b === slot) continue;
              minor.set(ra, cb++, E.get(a, b));
            }
            ra++;
          }
          cof[r] = ((r + slot) % 2 === 0 ? 1 : -1) * (K === 1 ? 1 : K - 1 === 1 ? minor.get(0, 0) : determinant(minor));
        }
        let best = volume;
        let bestJ = -1;
        for (let j = 0; j < n; j++) {
          let v = cof[0];
          for (let c = 0; c < q; c++) v += cof[c + 1] * Y[j * q + c];
          v = Math.abs(v);
          if (v > best * (1 + 1e-12)) {
            best = v;
            bestJ = j;
          }
        }
        if (bestJ >= 0 && !chosen.includes(bestJ)) {
          chosen[slot] = bestJ;
          volume = best;
          improved = true;
        }
      }
      if (!improved) break;
    }
    const endmembers = chosen.map((i) => m.data.slice(i * d, (i + 1) * d));
    const abundances = fullyConstrainedAbundances(m.data, n, d, endmembers, this.options.sumToOneWeight ?? 100);
    return new NFindrModel({
      nSamples: n,
      nFeatures: d,
      components: frozenRows(endmembers),
      loadings: abundances,
      reconstructionError: reconstructionError(m, abundances, endmembers),
      endmemberIndices: Int32Array.from(chosen),
      simplexVolume: volume,
    });
  }
}

function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}
