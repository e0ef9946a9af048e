/**
 * The matrices of bench/peers/unmixing_sklearn.py, built from the same deterministic hash so that
 * test/fixtures/sklearn_unmixing_reference.json holds only scikit-learn's answers. Keep in step with
 * that script.
 */
import type { DataMatrix } from '../../dynamics/configurations/gaussianMixture.ts';

/** Hash noise in [0, 1): frac(sin(12.9898 i + 78.233 j + 37.719 s) * 43758.5453). */
export function hashNoise(i: number, j: number, s: number): number {
  const v = Math.sin(i * 12.9898 + j * 78.233 + s * 37.719) * 43758.5453;
  return v - Math.floor(v);
}

function matrix(n: number, d: number, f: (i: number, j: number) => number): DataMatrix {
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = f(i, j);
  return { data, n, d };
}

/** 600 x 30, rank 3 plus small noise. */
export function pcaData(): DataMatrix {
  const s = [3, 2, 1];
  return matrix(600, 30, (i, j) => {
    let v = 0.05 * (hashNoise(i, j, 3) - 0.5);
    for (let k = 0; k < 3; k++) v += s[k] * (hashNoise(i, k, 1) - 0.5) * (hashNoise(k, j, 2) - 0.5) * 4;
    return v;
  });
}

/** 200 x 40 non-negative, rank 4 plus small noise. */
export function nmfData(): DataMatrix {
  return matrix(200, 40, (i, j) => {
    let v = 0.01 * hashNoise(i, j, 6);
    for (let k = 0; k < 4; k++) v += hashNoise(i, k, 4) * hashNoise(k, j, 5) ** 3;
    return v;
  });
}

/** 300 x 5, three blobs; true label i % 3. */
export function blobData(): { X: DataMatrix; labels: number[] } {
  const centres = [[0, 0, 0, 0, 0], [3, 3, 0, 0, 1], [-3, 2, 2, -1, 0]];
  const X = matrix(300, 5, (i, j) => centres[i % 3][j] + (hashNoise(i, j, 7) + hashNoise(i, j, 8) + hashNoise(i, j, 9) - 1.5) * 1.2);
  return { X, labels: Array.from({ length: 300 }, (_, i) => i % 3) };
}

/** Three sources (sine, square, sawtooth) of 2000 samples mixed into 4 features. */
export function icaData(): { sources: number[][]; X: DataMatrix } {
  const A = [[1.0, 0.5, 0.3], [0.4, 1.0, 0.6], [0.7, 0.2, 1.0], [0.1, 0.8, 0.4]];
  const sources: number[][] = [];
  for (let t = 0; t < 2000; t++) {
    sources.push([Math.sin((2 * Math.PI * t) / 97), Math.sign(Math.sin((2 * Math.PI * t) / 41)), 2 * ((t / 23) % 1) - 1]);
  }
  return { sources, X: matrix(2000, 4, (i, j) => A[j].reduce((s, a, k) => s + a * sources[i][k], 0)) };
}
