/**
 * Scores of a column finder on the out-of-distribution set (evaluation/oodGraphene.ts): atom F1
 * (matching within half a C-C bond, evaluation/matchAtoms.ts), columns reported at empty sites,
 * spurious columns, Si-C bond bias, formula accuracy per configuration (chemistry of the detected
 * atoms, dynamics/configurations/chemistry.ts) and the calibration of the reported position
 * uncertainty per dose bin (per-coordinate errors against `sigma`).
 */
import { analyseFrame, grapheneSiCutoffs } from '../dynamics/configurations/chemistry.ts';
import { MATERIALS } from '../models/materials.ts';
import { matchPoints } from './matchAtoms.ts';
import type { OodFrame } from './oodGraphene.ts';

/** A detected column in pixels of the frame; `sigmaPx` the per-coordinate standard error (NaN when none). */
export interface OodDetection {
  x: number;
  y: number;
  element: string;
  sigmaPx: number;
}

/** Dose bins (relative to G-Si-2nm.hdf5) of the sigma calibration. */
export const OOD_DOSE_BINS: ReadonlyArray<[number, number]> = [[0.5, 1], [1, 2], [2, 4.0001]];

/** Figures of one configuration kind. */
export interface OodKindScore {
  truth: number;
  tp: number;
  fp: number;
  fn: number;
  f1: number;
  /** Empty sites, and detections (not matched to an atom) within the match radius of one. */
  emptySites: number;
  atEmptySites: number;
  /** Si-C bonds with both atoms found; mean and RMS of (found - true) length, pm. */
  bonds: number;
  bondBiasPm: number;
  bondRmsPm: number;
  /** Defects, and those whose detected complex has the true formula. */
  defects: number;
  formulaCorrect: number;
}

/** Calibration figures of one dose bin. */
export interface OodCalibration {
  bin: [number, number];
  /** Coordinates (x and y each count) with a finite sigma. */
  n: number;
  /** RMS coordinate error / RMS sigma. */
  ratio: number;
  /** Fraction of coordinate errors within 1 sigma. */
  within1: number;
  rmsErrorPm: number;
  rmsSigmaPm: number;
}

/** Accumulates {@link OodKindScore} per kind and the calibration per dose bin. */
export class OodTally {
  private kinds = new Map<string, OodKindScore & { sq: number }>();
  private cal = OOD_DOSE_BINS.map(() => ({ n: 0, e2: 0, s2: 0, within: 0, e2pm: 0, s2pm: 0 }));

  /**
   * Add one frame.
   * @param f the frame with its truth
   * @param det detections in pixels of the frame
   */
  add(f: OodFrame, det: OodDetection[]): void {
    const bondPm = MATERIALS.graphene.bondPm;
    const r = bondPm / 2 / f.pixelSizePm;
    const m = r; // half a bond from the edges: a column just outside shows its inner half
    const inside = (a: { x: number; y: number }) => a.x > m && a.y > m && a.x < f.width - 1 - m && a.y < f.height - 1 - m;
    const truthIdx = f.atoms.map((_, i) => i).filter((i) => inside(f.atoms[i]));
    const truth = truthIdx.map((i) => f.atoms[i]);
    const detIdx = det.map((_, i) => i).filter((i) => inside(det[i]));
    const d = detIdx.map((i) => det[i]);
    const pairs = matchPoints(d, truth, r);
    const s = this.kinds.get(f.kind) ?? { truth: 0, tp: 0, fp: 0, fn: 0, f1: 0, emptySites: 0, atEmptySites: 0, bonds: 0, bondBiasPm: 0, bondRmsPm: 0, defects: 0, formulaCorrect: 0, sq: 0 };
    this.kinds.set(f.kind, s);
    s.truth += truth.length;
    s.tp += pairs.length;
    s.fp += d.length - pairs.length;
    s.fn += truth.length - pairs.length;
    const detOfAtom = new Map<number, number>();
    const matchedDet = new Set<number>();
    for (const [i, j] of pairs) {
      detOfAtom.set(truthIdx[j], detIdx[i]);
      matchedDet.add(detIdx[i]);
    }
    for (const e of f.emptySites) {
      if (!inside(e)) continue;
      s.emptySites++;
      if (det.some((q, i) => !matchedDet.has(i) && (q.x - e.x) ** 2 + (q.y - e.y) ** 2 <= r * r)) s.atEmptySites++;
    }
    for (const b of f.bonds) {
      const a = detOfAtom.get(b.si), c = detOfAtom.get(b.c);
      if (a === undefined || c === undefined) continue;
      const len = Math.hypot(det[a].x - det[c].x, det[a].y - det[c].y) * f.pixelSizePm;
      s.bonds++;
      s.bondBiasPm += len - b.lengthPm;
      s.sq += (len - b.lengthPm) ** 2;
    }
    if (f.defects.length) {
      const chem = analyseFrame(det.map((q) => ({ xPm: q.x * f.pixelSizePm, yPm: q.y * f.pixelSizePm, element: q.element })), grapheneSiCutoffs(), 'C');
      for (const df of f.defects) {
        s.defects++;
        const found = df.si.map((i) => detOfAtom.get(i)).find((i) => i !== undefined);
        if (found === undefined) continue;
        const c = chem.complexOf[found];
        if (c >= 0 && chem.complexes[c].formula === df.formula) s.formulaCorrect++;
      }
    }
    const bin = OOD_DOSE_BINS.findIndex(([lo, hi]) => f.doseFactor >= lo && f.doseFactor < hi);
    if (bin >= 0) {
      const c = this.cal[bin];
      for (const [ti, di] of detOfAtom) {
        const q = det[di], t = f.atoms[ti];
        if (!Number.isFinite(q.sigmaPx) || !inside(t)) continue;
        for (const e of [q.x - t.x, q.y - t.y]) {
          c.n++;
          c.e2 += e * e;
          c.s2 += q.sigmaPx * q.sigmaPx;
          c.e2pm += (e * f.pixelSizePm) ** 2;
          c.s2pm += (q.sigmaPx * f.pixelSizePm) ** 2;
          if (Math.abs(e) <= q.sigmaPx) c.within++;
        }
      }
    }
  }

  /** Figures per kind. */
  perKind(): Record<string, OodKindScore> {
    const out: Record<string, OodKindScore> = {};
    for (const [k, s] of this.kinds) {
      const f1 = (2 * s.tp) / Math.max(1, 2 * s.tp + s.fp + s.fn);
      out[k] = { truth: s.truth, tp: s.tp, fp: s.fp, fn: s.fn, f1, emptySites: s.emptySites, atEmptySites: s.atEmptySites, bonds: s.bonds, bondBiasPm: s.bonds ? s.bondBiasPm / s.bonds : NaN, bondRmsPm: s.bonds ? Math.sqrt(s.sq / s.bonds) : NaN, defects: s.defects, formulaCorrect: s.formulaCorrect };
    }
    return out;
  }

  /** Calibration per dose bin (NaN ratios where no coordinate had a sigma). */
  calibration(): OodCalibration[] {
    return this.cal.map((c, i) => ({
      bin: OOD_DOSE_BINS[i] as [number, number],
      n: c.n,
      ratio: Math.sqrt(c.e2 / c.n) / Math.sqrt(c.s2 / c.n),
      within1: c.within / c.n,
      rmsErrorPm: Math.sqrt(c.e2pm / c.n),
      rmsSigmaPm: Math.sqrt(c.s2pm / c.n),
    }));
  }
}
