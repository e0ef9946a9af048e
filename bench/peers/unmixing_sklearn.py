#!/usr/bin/python3
"""scikit-learn reference for the unmixing core (analytics/unmixing/).

    /usr/bin/python3 bench/peers/unmixing_sklearn.py fixtures > test/fixtures/sklearn_unmixing_reference.json
    /usr/bin/python3 bench/peers/unmixing_sklearn.py bench MATRIX.npy K   (timings on bench/analytics.ts's sliding-FFT stack, JSON)
    /usr/bin/python3 bench/peers/unmixing_sklearn.py cryst POSITIONS.npy N K   (neighbour vectors + k-means, JSON)

The matrices are built from a deterministic hash (test/helpers/unmixingData.ts computes the same
numbers), so the fixture stores only scikit-learn's answers. Debian: apt-get install -y python3-sklearn.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.decomposition import NMF, PCA, FastICA


def u(i, j, s):
    """Hash noise in [0, 1): frac(sin(12.9898 i + 78.233 j + 37.719 s) * 43758.5453)."""
    v = np.sin(i * 12.9898 + j * 78.233 + s * 37.719) * 43758.5453
    return v - np.floor(v)


def grid(n, d):
    return np.meshgrid(np.arange(n, dtype=float), np.arange(d, dtype=float), indexing="ij")


def pca_data():
    n, d = 600, 30
    I, J = grid(n, d)
    X = 0.05 * (u(I, J, 3) - 0.5)
    for k, s in enumerate([3.0, 2.0, 1.0]):
        X += s * (u(I[:, :1], k, 1) - 0.5) * (u(k, J[:1, :], 2) - 0.5) * 4
    return X


def nmf_data():
    n, d, K = 200, 40, 4
    I, J = grid(n, d)
    W = np.stack([u(np.arange(n, dtype=float), k, 4) for k in range(K)], axis=1)
    H = np.stack([u(k, np.arange(d, dtype=float), 5) ** 3 for k in range(K)], axis=0)
    return W @ H + 0.01 * u(I, J, 6)


def blob_data():
    n, d, K = 300, 5, 3
    centres = np.array([[0, 0, 0, 0, 0], [3, 3, 0, 0, 1], [-3, 2, 2, -1, 0]], dtype=float)
    I, J = grid(n, d)
    noise = (u(I, J, 7) + u(I, J, 8) + u(I, J, 9) - 1.5) * 1.2
    return centres[np.arange(n) % K] + noise, np.arange(n) % K


def ica_sources():
    n = 2000
    t = np.arange(n, dtype=float)
    s1 = np.sin(2 * np.pi * t / 97.0)
    s2 = np.sign(np.sin(2 * np.pi * t / 41.0))
    s3 = 2 * ((t / 23.0) % 1.0) - 1
    S = np.stack([s1, s2, s3], axis=1)
    A = np.array([[1.0, 0.5, 0.3], [0.4, 1.0, 0.6], [0.7, 0.2, 1.0], [0.1, 0.8, 0.4]])
    return S, S @ A.T


def best_abs_corr(S_true, S_est):
    K = S_true.shape[1]
    C = np.abs(np.corrcoef(S_true.T, S_est.T)[:K, K:])
    return C.max(axis=1).tolist()


def fixtures():
    out = {"sklearn": sklearn.__version__}
    X = pca_data()
    p = PCA(n_components=10, svd_solver="full").fit(X)
    out["pca"] = {"components": p.components_[:3].tolist(), "explained_variance_ratio": p.explained_variance_ratio_.tolist(), "explained_variance": p.explained_variance_.tolist()}
    X = nmf_data()
    m = NMF(n_components=4, init="nndsvda", solver="cd", max_iter=1000, tol=1e-4, random_state=0).fit(X)
    out["nmf"] = {"reconstruction_err": float(m.reconstruction_err_), "n_iter": int(m.n_iter_)}
    X, _ = blob_data()
    km = KMeans(n_clusters=3, n_init=10, random_state=0).fit(X)
    out["kmeans"] = {"labels": km.labels_.tolist(), "inertia": float(km.inertia_)}
    ag = AgglomerativeClustering(n_clusters=3, linkage="ward").fit(X)
    out["agglomerative"] = {"labels": ag.labels_.tolist()}
    S, X = ica_sources()
    ica = FastICA(n_components=3, whiten="unit-variance", random_state=0, max_iter=200, tol=1e-4).fit(X)
    out["ica"] = {"abs_corr_to_sources": best_abs_corr(S, ica.transform(X))}
    return out


def bench(file, k):
    X = np.load(file).astype(np.float64)
    n, d = X.shape
    res = {"sklearn": sklearn.__version__, "n": n, "d": d, "k": k}
    for name, est in [("pca", PCA(n_components=k, random_state=0)), ("nmf", NMF(n_components=k, init="nndsvda", max_iter=500, random_state=0)),
                      ("ica", FastICA(n_components=k, whiten="unit-variance", random_state=0)), ("kmeans", KMeans(n_clusters=k, n_init=4, random_state=0))]:
        t0 = time.perf_counter()
        est.fit(X)
        res[name + "_s"] = time.perf_counter() - t0
    return res


def cryst(file, N, k):
    """Neighbour vectors of every atom (sklearn NearestNeighbors), ordered by angle, then k-means."""
    from sklearn.neighbors import NearestNeighbors
    P = np.load(file).astype(np.float64)
    t0 = time.perf_counter()
    nn = NearestNeighbors(n_neighbors=N + 1).fit(P)
    _, idx = nn.kneighbors(P)
    V = P[idx[:, 1:]] - P[:, None, :]
    V[:, :, 1] *= -1
    order = np.argsort(np.mod(np.arctan2(V[:, :, 1], V[:, :, 0]) - np.pi / 4, 2 * np.pi), axis=1)
    V = np.take_along_axis(V, order[:, :, None], axis=1).reshape(len(P), -1)
    t1 = time.perf_counter()
    KMeans(n_clusters=k, n_init=4, random_state=0).fit(V)
    t2 = time.perf_counter()
    return {"sklearn": sklearn.__version__, "atoms": len(P), "neighbours_s": t1 - t0, "kmeans_s": t2 - t1, "total_s": t2 - t0}


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    if sys.argv[1] == "fixtures":
        print(json.dumps(fixtures()))
    elif sys.argv[1] == "bench":
        print(json.dumps(bench(sys.argv[2], int(sys.argv[3]))))
    else:
        print(json.dumps(cryst(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
