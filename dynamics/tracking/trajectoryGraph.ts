/**
 * Tracks as a graph (graphology), built on demand from a tracks table, never on the linking hot
 * path: one node per detection, a directed `link` edge from each observation of a particle to its
 * next one (gaps included), and an undirected-in-spirit `exchange` edge between the two arriving
 * detections of a dopant/host exchange (two hops into the same frame that swap sites). The graph
 * lets one walk a trajectory, find which atoms swapped places, or export the tracking to
 * graph tools; its weakly connected components through `link` edges are exactly the particles.
 */
import { DirectedGraph } from 'graphology';
import { connectedComponents } from 'graphology-components';
import { findHops, groupTrajectories, pairExchanges, type HopEvent, type TrajectoryColumns } from './trajectoryQuantities.ts';

/** Node attributes (one node per table row, keyed by the row index as a string). */
export interface DetectionNode {
  row: number;
  frame: number;
  x: number;
  y: number;
  particle: number;
  species: string | null;
}

/** Edge attributes. */
export interface TrackEdge {
  kind: 'link' | 'exchange';
  /** Frames between the two detections (links); 0 for exchanges. */
  lag: number;
  /** Distance between the two detections. */
  distance: number;
  /** For links: true when the distance exceeds the hop threshold. */
  hop: boolean;
}

/** Settings for {@link buildTrajectoryGraph}. */
export interface TrajectoryGraphOptions {
  /** Links longer than this are hops (same unit as positions). Default Infinity (no hops, no exchanges). */
  hopThreshold?: number;
  /** Sites of an exchange must match within this distance. Default hopThreshold / 2. */
  exchangeTolerance?: number;
}

/**
 * Build the detection graph of a tracks table.
 * @returns a directed graphology Graph with {@link DetectionNode} / {@link TrackEdge} attributes
 * @throws RangeError when a particle has two detections in one frame
 */
export function buildTrajectoryGraph(table: TrajectoryColumns, opts: TrajectoryGraphOptions = {}): DirectedGraph<DetectionNode, TrackEdge> {
  const g = new DirectedGraph<DetectionNode, TrackEdge>({ multi: false, allowSelfLoops: false });
  const trs = groupTrajectories(table);
  const thr = opts.hopThreshold ?? Infinity;
  for (const tr of trs) {
    for (let k = 0; k < tr.rows.length; k++) {
      g.addNode(String(tr.rows[k]), { row: tr.rows[k], frame: tr.frame[k], x: tr.x[k], y: tr.y[k], particle: tr.particle, species: tr.species });
      if (k > 0) {
        const d = Math.hypot(tr.x[k] - tr.x[k - 1], tr.y[k] - tr.y[k - 1]);
        g.addDirectedEdge(String(tr.rows[k - 1]), String(tr.rows[k]), { kind: 'link', lag: tr.frame[k] - tr.frame[k - 1], distance: d, hop: d > thr });
      }
    }
  }
  if (Number.isFinite(thr)) {
    const hops: Array<HopEvent & { row: number }> = [];
    for (const tr of trs) {
      for (const h of findHops(tr, thr)) {
        const k = tr.frame.indexOf(h.frame);
        hops.push({ ...h, row: tr.rows[k] });
      }
    }
    for (const [i, j] of pairExchanges(hops, opts.exchangeTolerance ?? thr / 2)) {
      const a = String(hops[i].row);
      const b = String(hops[j].row);
      g.addDirectedEdge(a, b, { kind: 'exchange', lag: 0, distance: Math.hypot(hops[i].xTo - hops[j].xTo, hops[i].yTo - hops[j].yTo), hop: false });
    }
  }
  return g;
}

/** The rows of each trajectory, from the `link` edges of a graph (weakly connected components). */
export function trajectoriesOfGraph(g: DirectedGraph<DetectionNode, TrackEdge>): number[][] {
  const linkOnly = g.copy();
  linkOnly.forEachEdge((e, attr) => {
    if (attr.kind !== 'link') linkOnly.dropEdge(e);
  });
  return connectedComponents(linkOnly)
    .map((c) => c.map(Number).sort((a, b) => a - b))
    .sort((a, b) => a[0] - b[0]);
}

/** The exchanges recorded in a graph: pairs of arriving detections, with the particles involved. */
export function exchangesOfGraph(g: DirectedGraph<DetectionNode, TrackEdge>): Array<{ frame: number; particles: [number, number]; rows: [number, number] }> {
  const out: Array<{ frame: number; particles: [number, number]; rows: [number, number] }> = [];
  g.forEachEdge((_edge, attr, _source, _target, sa, ta) => {
    if (attr.kind === 'exchange') out.push({ frame: sa.frame, particles: [sa.particle, ta.particle], rows: [sa.row, ta.row] });
  });
  return out;
}
