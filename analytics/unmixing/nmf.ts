/**
 * Non-negative matrix factorisation X ≈ W H (W: n x K activations, H: K x d components, both >= 0)
 * minimising the Frobenius norm, by hierarchical alternating least squares (HALS; Cichocki & Phan,
 * IEICE Trans. Fundam. E92-A, 708 (2009); Gillis & Glineur, Neural Comput. 24, 1085 (2012)), the
 * column-wise exact coordinate minimisation that scikit-learn's 'cd' solver also performs. The start
 * is NNDSVDa (Boutsidis & Gallopoulos, Pattern Recogn. 41, 1350 (2008); zeros filled with the data
 * mean), scikit-learn's default, from a (randomised) truncated SVD.
 */
import { SingularValueDecomposition } from 'ml-matrix';
import { randomizedSvd } from '../../numerics/randomizedSvd.ts';
import { asDataMatrix, checkComponents, FittedUnmixing, frozenRows, toMlMatrix, type UnmixingFields, type UnmixingInput } from './unmixingModel.ts';

/** Settings of {@link NmfEstimator}. */
export interface NmfOptions {
  /** Components K (integer >= 1, <= min(n, d)). */
  nComponents: number;
  /** Iterations (one W and one H sweep each); default 500. */
  maxIter?: number;
  /** Stop when the relative decrease of the error over 10 iterations is below this; default 1e-5. */
  tol?: number;
  /** Seed of the randomised SVD used by the start (default 0). */
  seed?: number;
}

/** A fitted NMF. Immutable. Components are H (K x d, >= 0), loadings W (n x K, >= 0); the error is ||X - W H||_F (scikit-learn's `reconstruction_err_`). */
export class NmfModel extends FittedUnmixing {
  readonly method = 'nmf' as const;
  /** Iterations run. */
  readonly iterations: number;

  constructor(p: Omit<UnmixingFields, 'explainedVariance' | 'explainedVarianceRatio'> & { iterations: number }) {
    super({ ...p, explainedVariance: null, explainedVarianceRatio: null });
    this.iterations = p.iterations;
    Object.freeze(this);
  }
}

/** The NMF estimator. */
export class NmfEstimator {
  readonly options: Readonly<NmfOptions>;

  constructor(options: NmfOptions) {
    this.options = Object.freeze({ ...options });
  }

  /**
   * Fit on n x d non-negative data.
   * @throws RangeError on negative entries, bad K or non-finite values
   */
  fit(X: UnmixingInput): NmfModel {
    const m = asDataMatrix(X);
    const { n, d, data } = m;
    const K = this.options.nComponents;
    checkComponents(K, Math.min(n, d), 'NMF');
    let total = 0;
    let xx = 0;
    for (let i = 0; i < data.length; i++) {
      if (data[i] < 0) throw new RangeError('NMF needs non-negative data; the matrix has negative entries');
      total += data[i];
      xx += data[i] * data[i];
    }
    const avg = total / data.length;
    // NNDSVDa start
    let U: (i: number, k: number) => number;
    let V: (j: number, k: number) => number;
    let S: Float64Array;
    if (Math.max(n, d) > 500 && K < 0.8 * Math.min(n, d)) {
      const svd = randomizedSvd(m, K, { seed: this.options.seed ?? 0 });
      U = (i, k) => svd.U[i * K + k];
      V = (j, k) => svd.Vt[k * d + j];
      S = svd.s;
    } else {
      const svd = new SingularValueDecomposition(toMlMatrix(m), { autoTranspose: true });
      U = (i, k) => svd.leftSingularVectors.get(i, k);
      V = (j, k) => svd.rightSingularVectors.get(j, k);
      S = Float64Array.from(svd.diagonal);
    }
    const W = new Float64Array(n * K);
    const H = new Float64Array(K * d);
    for (let k = 0; k < K; k++) {
      let pu = 0, nu = 0, pv = 0, nv = 0;
      for (let i = 0; i < n; i++) { const x = U(i, k); if (x > 0) pu += x * x; else nu += x * x; }
      for (let j = 0; j < d; j++) { const y = V(j, k); if (y > 0) pv += y * y; else nv += y * y; }
      pu = Math.sqrt(pu); nu = Math.sqrt(nu); pv = Math.sqrt(pv); nv = Math.sqrt(nv);
      const positive = k === 0 || pu * pv >= nu * nv;
      const sigma = k === 0 ? 1 : positive ? pu * pv : nu * nv;
      const nuNorm = k === 0 ? 1 : positive ? pu : nu;
      const nvNorm = k === 0 ? 1 : positive ? pv : nv;
      const lbd = Math.sqrt(S[k] * sigma);
      const sign = k === 0 ? 0 : positive ? 1 : -1;
      for (let i = 0; i < n; i++) {
        const x = U(i, k);
        const v = sign === 0 ? Math.abs(x) : Math.max(sign * x, 0);
        W[i * K + k] = nuNorm > 0 ? (lbd * v) / nuNorm : 0;
      }
      for (let j = 0; j < d; j++) {
        const y = V(j, k);
        const v = sign === 0 ? Math.abs(y) : Math.max(sign * y, 0);
        H[k * d + j] = nvNorm > 0 ? (lbd * v) / nvNorm : 0;
      }
    }
    for (let i = 0; i < W.length; i++) if (W[i] < 1e-6) W[i] = avg;
    for (let i = 0; i < H.length; i++) if (H[i] < 1e-6) H[i] = avg;

    const maxIter = this.options.maxIter ?? 500;
    const tol = this.options.tol ?? 1e-5;
    const XHt = new Float64Array(n * K);
    const HHt = new Float64Array(K * K);
    const WtX = new Float64Array(K * d);
    const WtW = new Float64Array(K * K);
    const errorOf = () => {
      // ||X||² - 2 <WtX, H> + <WtW, HHt>, with WtX and WtW of the current W and HHt of the current H
      let cross = 0;
      for (let i = 0; i < K * d; i++) cross += WtX[i] * H[i];
      let quad = 0;
      for (let i = 0; i < K * K; i++) quad += WtW[i] * HHt[i];
      return Math.sqrt(Math.max(0, xx - 2 * cross + quad));
    };
    let history: number[] = [];
    let iterations = 0;
    for (let it = 0; it < maxIter; it++) {
      iterations = it + 1;
      // W sweep: needs X Hᵀ and H Hᵀ
      XHt.fill(0);
      for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += data[i * d + j] * H[k * d + j];
        XHt[i * K + k] = s;
      }
      gram(H, K, d, HHt);
      for (let k = 0; k < K; k++) {
        const hkk = HHt[k * K + k];
        if (!(hkk > 0)) continue;
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let l = 0; l < K; l++) s += W[i * K + l] * HHt[l * K + k];
          W[i * K + k] = Math.max(0, W[i * K + k] + (XHt[i * K + k] - s) / hkk);
        }
      }
      // H sweep: needs Wᵀ X and Wᵀ W
      WtX.fill(0);
      for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) {
        const w = W[i * K + k];
        if (w === 0) continue;
        for (let j = 0; j < d; j++) WtX[k * d + j] += w * data[i * d + j];
      }
      WtW.fill(0);
      for (let i = 0; i < n; i++) for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) WtW[a * K + b] += W[i * K + a] * W[i * K + b];
      for (let k = 0; k < K; k++) {
        const wkk = WtW[k * K + k];
        if (!(wkk > 0)) continue;
        for (let j = 0; j < d; j++) {
          let s = 0;
          for (let l = 0; l < K; l++) s += WtW[k * K + l] * H[l * d + j];
          H[k * d + j] = Math.max(0, H[k * d + j] + (WtX[k * d + j] - s) / wkk);
        }
      }
      gram(H, K, d, HHt);
      const err = errorOf();
      history.push(err);
      if (history.length > 10) {
        const old = history[history.length - 11];
        if ((old - err) / Math.max(old, 1e-300) < tol) break;
        history = history.slice(-11);
      }
    }
    const components = Array.from({ length: K }, (_, k) => H.slice(k * d, (k + 1) * d));
    return new NmfModel({ nSamples: n, nFeatures: d, components: frozenRows(components), loadings: W, reconstructionError: errorOf(), iterations });
  }
}

/** out = M Mᵀ for M (K x d, row-major). */
function gram(M: Float64Array, K: number, d: number, out: Float64Array): void {
  for (let a = 0; a < K; a++) for (let b = a; b < K; b++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += M[a * d + j] * M[b * d + j];
    out[a * K + b] = out[b * K + a] = s;
  }
}
