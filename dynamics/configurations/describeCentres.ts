/**
 * Step 1 of the classification (classifyConfigurations.ts): every frame's bond graph and complexes
 * (chemistry.ts), the host lattice's orientation from host-host bond directions
 * (neighbourDescriptors.ts: latticeOrientation), and a neighbour descriptor of every centre atom in
 * that lattice frame (neighbourDescriptors.ts: describeNeighbours), with one output row per centre
 * and frame. Centres closer to the frame edge than the descriptor radius are marked not valid.
 */
import type { ProgressSink } from '../../data/progress.ts';
import { collectGarbageIfGrown } from '../../data/memory.ts';
import { isCentre, type AtomRecord, type CentreChoice, type groupByFrame } from './centres.ts';
import { frameComplexes, type BondCutoffs } from './chemistry.ts';
import { describeNeighbours, latticeOrientation, type DescriptorSpec, type SpeciesPoint } from './neighbourDescriptors.ts';
import { latticeDirectionMultiplicity, type PointGroup } from './pointGroups.ts';

/** One output row (configurations.csv, docs/schema.md). */
export interface ConfigurationRow {
  frame: number;
  particle: number | null;
  x: number;
  y: number;
  complex: number | null;
  formula: string | null;
  state: number | null;
  state_name: string | null;
  rotation: number | null;
  mirror: boolean | null;
  probability: number | null;
}

/** A centre atom in one frame with its descriptor. */
export interface CentreInstance {
  atom: AtomRecord;
  /** Index of its frame in the frame list, and of the atom in that frame. */
  frameIdx: number;
  localIdx: number;
  /** Its row in the output rows. */
  row: number;
  /** Neighbour descriptor (slots x stride, descriptor units). */
  neighbours: Float64Array;
  /** Neighbours found within the radius. */
  count: number;
  /** False when too close to the frame edge to be described. */
  valid: boolean;
  /** Lattice orientation of its frame, radians (0 when not measured). */
  latticeAngleRad: number;
  complex: number | null;
  formula: string | null;
}

/** A bonded complex found in a frame (centroid in px). */
export interface ComplexSummary {
  frame: number;
  id: number;
  formula: string;
  x: number;
  y: number;
  atoms: number;
}

/** Geometry, chemistry and descriptor settings of {@link describeCentres}. */
export interface DescribeSettings {
  /** pm per px of the atoms' coordinates. */
  scale: number;
  /** Descriptor units per px and per pm. */
  toUnits: number;
  pmToUnits: number;
  cutoffs: BondCutoffs;
  /** Host element and the host-host bond cut-off, pm. */
  host: string;
  /** All host elements of a compound lattice (MX2: metal and chalcogen), for complexes; default [host]. */
  hostElements?: string[];
  hostCutPm: number;
  group: PointGroup;
  centres: CentreChoice;
  spec: DescriptorSpec;
  /** 'lattice': descriptors in the measured lattice frame; 'image': image axes. */
  orientation: 'lattice' | 'image';
  /** Frame size for the edge test, px (null: no edge test). */
  frameSize: { width: number; height: number } | null;
  /** Centres closer than this to the edge (pm) are not valid. */
  marginPm: number;
}

/**
 * Describe every centre of every frame.
 * @param frames atoms grouped by frame (centres.ts groupByFrame)
 * @param st settings
 * @param progress progress reporting ('describe', one tick per frame)
 * @param warnings receives a line for frames without a measurable orientation and for centres at the edge
 * @returns rows (one per centre and frame, unclassified), instances (same order) and complexes
 */
export function describeCentres(
  frames: ReturnType<typeof groupByFrame>,
  st: DescribeSettings,
  progress: ProgressSink,
  warnings: string[],
): { rows: ConfigurationRow[]; instances: CentreInstance[]; complexes: ComplexSummary[] } {
  const { scale, toUnits, pmToUnits, cutoffs, host, group, centres, spec, frameSize } = st;
  const rows: ConfigurationRow[] = [];
  const instances: CentreInstance[] = [];
  const complexes: ComplexSummary[] = [];
  let weakOrientation = 0;
  let edgeExcluded = 0;
  progress.start('describe', frames.length);
  frames.forEach((fr, frameIdx) => {
    const chem = frameComplexes(fr.atoms.map((a) => ({ xPm: a.x * scale, yPm: a.y * scale, element: a.element })), cutoffs, st.hostElements ?? host);
    for (const c of chem.complexes) {
      let sx = 0;
      let sy = 0;
      for (const i of c.atoms) {
        sx += fr.atoms[i].x;
        sy += fr.atoms[i].y;
      }
      complexes.push({ frame: fr.frame, id: c.id, formula: c.formula, x: sx / c.atoms.length, y: sy / c.atoms.length, atoms: c.atoms.length });
    }
    const pts: SpeciesPoint[] = fr.atoms.map((a) => ({ x: a.x * toUnits, y: a.y * toUnits, species: a.species }));
    let angle = 0;
    if (st.orientation !== 'image') {
      const lo = latticeOrientation(pts, (i) => fr.atoms[i].element === host, st.hostCutPm * pmToUnits, latticeDirectionMultiplicity(group));
      if (lo.bonds >= 6 && lo.strength >= 0.5) angle = lo.angleRad;
      else weakOrientation++;
    }
    const centreIdx = fr.atoms.map((a, i) => (isCentre(a, centres) ? i : -1)).filter((i) => i >= 0);
    const descs = describeNeighbours(pts, centreIdx, spec, angle);
    centreIdx.forEach((ci, j) => {
      const a = fr.atoms[ci];
      const cid = chem.complexOf[ci];
      const row: ConfigurationRow = {
        frame: a.frame,
        particle: a.particle,
        x: a.x,
        y: a.y,
        complex: cid >= 0 ? cid : null,
        formula: cid >= 0 ? chem.complexes[cid].formula : null,
        state: null,
        state_name: null,
        rotation: null,
        mirror: null,
        probability: null,
      };
      let valid = true;
      if (frameSize) {
        const marginPx = st.marginPm / scale;
        if (a.x < marginPx - 0.5 || a.y < marginPx - 0.5 || a.x > frameSize.width - 0.5 - marginPx || a.y > frameSize.height - 0.5 - marginPx) {
          valid = false;
          edgeExcluded++;
        }
      }
      instances.push({ atom: a, frameIdx, localIdx: ci, row: rows.length, neighbours: descs[j].values, count: descs[j].count, valid, latticeAngleRad: angle, complex: row.complex, formula: row.formula });
      rows.push(row);
    });
    progress.tick();
    collectGarbageIfGrown(); // each frame's working objects die young, but V8 would let them pile up over a long movie
  });
  progress.stop();
  if (weakOrientation > 0 && st.orientation !== 'image') {
    warnings.push(`${weakOrientation} of ${frames.length} frame(s) have too few ${host}-${host} bonds to measure the lattice orientation; their descriptors keep the image axes`);
  }
  if (edgeExcluded > 0) warnings.push(`${edgeExcluded} centre(s) closer to the frame edge than the descriptor radius were not classified`);
  return { rows, instances, complexes };
}
