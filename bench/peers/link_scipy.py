#!/usr/bin/env python3
"""Peer linker for bench/tracking.ts: a frame-by-frame optimal-assignment linker in the style of
trackpy (trackpy itself is not installable here), built from scipy.spatial.cKDTree (candidate pairs
within the search range) and scipy.optimize.linear_sum_assignment (solved on each connected
sub-network of candidates, with trackpy's rule: a link costs d^2, leaving a source unlinked costs
search_range^2). Gap closing over `memory` frames. Not species-aware.

Usage: link_scipy.py PREFIX SEARCH_RANGE MEMORY
Reads PREFIX.frame.i32, PREFIX.x.f64, PREFIX.y.f64 (rows sorted by frame), writes PREFIX.particle.i32
and prints {"link_s": seconds spent linking, excluding file I/O} as JSON.
"""
import json
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree


def link(frame, x, y, search_range, memory):
    n = len(frame)
    particle = np.full(n, -1, dtype=np.int32)
    pos = np.stack([x, y], axis=1)
    bounds = np.flatnonzero(np.diff(frame)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [n]])
    cap = 1024
    t_pos = np.zeros((cap, 2))
    t_last = np.zeros(cap, dtype=np.int64)
    n_tracks = 0
    active = np.zeros(0, dtype=np.int64)
    r2 = search_range * search_range
    unlinked = r2 * (1 + 1e-9)
    for a, b in zip(starts, ends):
        f = frame[a]
        dst = pos[a:b]
        nd = b - a
        active = active[f - t_last[active] - 1 <= memory]
        ns = len(active)
        dst_link = np.full(nd, -1, dtype=np.int64)
        if ns and nd:
            src = t_pos[active]
            pairs = cKDTree(src).sparse_distance_matrix(cKDTree(dst), search_range, output_type='ndarray')
            if len(pairs):
                pi = pairs['i'].astype(np.int64)
                pj = pairs['j'].astype(np.int64)
                pv = pairs['v'] ** 2
                g = coo_matrix((np.ones(len(pi)), (pi, ns + pj)), shape=(ns + nd, ns + nd))
                _, label = connected_components(g, directed=False)
                comp = label[pi]
                n_edges = np.bincount(comp, minlength=label.max() + 1)
                deg_s = np.bincount(pi, minlength=ns)
                deg_d = np.bincount(pj, minlength=nd)
                simple = (deg_s[pi] == 1) & (deg_d[pj] == 1)
                dst_link[pj[simple]] = pi[simple]
                hard = ~simple
                if hard.any():
                    hi, hj, hv, hc = pi[hard], pj[hard], pv[hard], comp[hard]
                    order = np.argsort(hc, kind='stable')
                    hi, hj, hv, hc = hi[order], hj[order], hv[order], hc[order]
                    cuts = np.flatnonzero(np.diff(hc)) + 1
                    for ei, ej, ev in zip(np.split(hi, cuts), np.split(hj, cuts), np.split(hv, cuts)):
                        rows, ri = np.unique(ei, return_inverse=True)
                        cols, ci = np.unique(ej, return_inverse=True)
                        r, c = len(rows), len(cols)
                        m = np.full((r + c, c + r), np.inf)
                        m[ri, ci] = ev
                        m[np.arange(r), c + np.arange(r)] = unlinked
                        m[r + np.arange(c), np.arange(c)] = 0.0
                        m[r + ci, c + ri] = 0.0
                        rr, cc = linear_sum_assignment(m)
                        ok = (rr < r) & (cc < c)
                        dst_link[cols[cc[ok]]] = rows[rr[ok]]
        ids = np.empty(nd, dtype=np.int64)
        linked = dst_link >= 0
        ids[linked] = active[dst_link[linked]]
        n_new = int((~linked).sum())
        if n_tracks + n_new > cap:
            while n_tracks + n_new > cap:
                cap *= 2
            t_pos = np.resize(t_pos, (cap, 2))
            t_last = np.resize(t_last, cap)
        ids[~linked] = np.arange(n_tracks, n_tracks + n_new)
        n_tracks += n_new
        t_pos[ids] = dst
        t_last[ids] = f
        active = np.union1d(active, ids[~linked]) if n_new else active
        particle[a:b] = ids
    return particle


def main():
    prefix, search_range, memory = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    frame = np.fromfile(prefix + '.frame.i32', dtype=np.int32).astype(np.int64)
    x = np.fromfile(prefix + '.x.f64', dtype=np.float64)
    y = np.fromfile(prefix + '.y.f64', dtype=np.float64)
    t0 = time.perf_counter()
    particle = link(frame, x, y, search_range, memory)
    dt = time.perf_counter() - t0
    particle.tofile(prefix + '.particle.i32')
    print(json.dumps({'link_s': dt}))


if __name__ == '__main__':
    main()
