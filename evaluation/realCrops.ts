/**
 * Formula accuracy on the real labelled Si-C defect crops of LibraryNet
 * (`<shared>/data/graphene_Si/LibraryNet_refined_dev/<formula>/*.hdf5`, Ziatdinov et al.; see the
 * data README): for every labelled Si, is the formula of the complex around it the same when it is
 * computed from the located atoms as when it is computed from the labelled atoms?
 *
 * The formula follows the rule `classify` uses (dynamics/configurations/chemistry.ts analyseFrame
 * with the graphene Si cut-offs `grapheneSiCutoffs`, C the host): a complex is a connected cluster
 * of Si with every C bonded to one of them (C-Si <= 215 pm, Si-Si <= 240 pm); its formula counts
 * the Si and then the C (`Si1C3`). The same rule runs on
 *
 * - the labelled atoms of the crop (all its `defect_coord_K` datasets together, in pm through the
 *   crop's pixel size): the **label formula** of each labelled Si;
 * - the located atoms of the whole crop: the **predicted formula** of the located Si matched to it.
 *
 * Two further readings of the label are kept beside it: the folder the crop was filed under, and the
 * composition of the labelled Si's own dataset (`defect_coord_K`: the authors' grouping of atoms into
 * one complex, e.g. 2 Si + 6 C = `Si2C6`). Where the rule splits or trims an authors' complex (a Si
 * dimer 246 pm apart is two `Si1C3` for the rule), the label formula differs from that composition:
 * {@link RealCropOutcome} carries all three.
 *
 * Matching: labelled Si and located Si are paired one-to-one, nearest first, within a radius
 * (default {@link REAL_CROPS_MATCH_RADIUS_PM}, half the C-C bond, as the model cards' validation);
 * a labelled Si without a partner is `missed`.
 */
import { readdirSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { AtomdynError } from '../data/errors.ts';
import { readHdf5Coordinates } from '../data/hdf5Coordinates.ts';
import { analyseFrame, formulaOf, grapheneSiCutoffs } from '../dynamics/configurations/chemistry.ts';
import { MATERIALS } from '../models/materials.ts';
import { locateFrame } from '../inference/locateFrame.ts';
import type { Segmenter } from '../inference/segmenter.ts';
import { matchPoints } from './matchAtoms.ts';

/** Default match radius between a labelled and a located Si, pm: half the graphene C-C bond (71 pm). */
export const REAL_CROPS_MATCH_RADIUS_PM = MATERIALS.graphene.bondPm / 2;

/** The predicted formula of a labelled Si that no located Si was matched to. */
export const MISSED = 'missed';

/** An atom of a crop: x (column), y (row) in pixels of the crop, element ('C' or 'Si'). */
export interface CropAtom {
  x: number;
  y: number;
  element: string;
}

/** A labelled atom: a {@link CropAtom} with the index K of its `defect_coord_K` dataset. */
export interface LabelledAtom extends CropAtom {
  complex: number;
}

/** One real labelled crop. */
export interface RealCrop {
  /** Absolute path of the file. */
  file: string;
  /** `<folder>/<file name>`, e.g. 'Si1C3/10.hdf5'. */
  name: string;
  /** The folder's formula (what the crop was filed under). */
  folderFormula: string;
  /** `nn_input` as float32 `[height * width]`, the file's units. */
  image: Float32Array;
  height: number;
  width: number;
  /** Scan size (`scan size` attribute, pm) / width: pm per pixel. */
  pixelSizePm: number;
  /** Field of view, pm. */
  scanSizePm: number;
  /** The acquisition group, e.g. '7.81 pm/px (256 px over 2000 pm)'. */
  group: string;
  /** Every labelled atom, all datasets. */
  atoms: LabelledAtom[];
  /** Formula of each dataset's own composition (Si count then C count), by K. */
  datasetFormulas: string[];
}

/** The acquisition group of a crop: pixel size with the image side and field of view. */
export function cropGroup(pixelSizePm: number, width: number, scanSizePm: number): string {
  return `${Number(pixelSizePm.toFixed(2))} pm/px (${width} px over ${Math.round(scanSizePm)} pm)`;
}

/**
 * The crop files under a LibraryNet-style root: `<root>/<formula>/*.hdf5`, sorted by folder then by
 * file name (numeric where the names are numbers).
 * @throws AtomdynError naming the root when it does not exist or holds no `.hdf5` file
 */
export function listRealCrops(root: string): string[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new AtomdynError(root, 'no such folder (the LibraryNet crops: <shared>/data/graphene_Si/LibraryNet_refined_dev)');
  const byName = (a: string, b: string) => (Number.isFinite(Number.parseFloat(a)) && Number.isFinite(Number.parseFloat(b)) ? Number.parseFloat(a) - Number.parseFloat(b) : a < b ? -1 : a > b ? 1 : 0);
  const out: string[] = [];
  for (const d of readdirSync(root).sort()) {
    const dir = path.join(root, d);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.hdf5')).sort(byName)) out.push(path.join(dir, f));
  }
  if (out.length === 0) throw new AtomdynError(root, 'holds no <formula>/*.hdf5 crops');
  return out;
}

/**
 * Read one crop: its image, pixel size and labelled atoms (data/hdf5Coordinates.ts).
 * @param file `<root>/<formula>/<name>.hdf5`; the folder name is taken as the filed formula
 * @throws AtomdynError naming the file when it has no `nn_input` image, no `scan size`, or a
 *   species other than C and Si
 */
export async function readRealCrop(file: string): Promise<RealCrop> {
  const c = await readHdf5Coordinates(file);
  if (!c.image) throw new AtomdynError(file, 'no 2-D nn_input image');
  if (c.pixelSizePm === null || c.scanSizePm === null) throw new AtomdynError(file, "nn_input has no 'scan size' attribute (pm): the pixel size is unknown");
  const atoms: LabelledAtom[] = [];
  const datasetFormulas: string[] = [];
  c.complexes.forEach((cx, k) => {
    const comp: Record<string, number> = {};
    for (const a of cx.atoms) {
      if (a.species !== 'C' && a.species !== 'Si') throw new AtomdynError(`${file}:${cx.dataset}`, `species '${a.species}' (expected C or Si)`);
      atoms.push({ x: a.x, y: a.y, element: a.species, complex: k });
      comp[a.species] = (comp[a.species] ?? 0) + 1;
    }
    datasetFormulas.push(formulaOf(comp, 'C'));
  });
  const folder = path.basename(path.dirname(file));
  return {
    file,
    name: `${folder}/${path.basename(file)}`,
    folderFormula: folder,
    image: c.image.data,
    height: c.image.height,
    width: c.image.width,
    pixelSizePm: c.pixelSizePm,
    scanSizePm: c.scanSizePm,
    group: cropGroup(c.pixelSizePm, c.image.width, c.scanSizePm),
    atoms,
    datasetFormulas,
  };
}

/**
 * The formula of the complex each atom belongs to, by classify's rule (see the header): analyseFrame
 * with `grapheneSiCutoffs()` and host C on the atoms in pm.
 * @param atoms positions in pixels with elements
 * @param pixelSizePm pm per pixel
 * @returns per atom, its complex's formula, or null for a C bonded to no Si
 */
export function complexFormulas(atoms: CropAtom[], pixelSizePm: number): Array<string | null> {
  const chem = analyseFrame(atoms.map((a) => ({ xPm: a.x * pixelSizePm, yPm: a.y * pixelSizePm, element: a.element })), grapheneSiCutoffs(), 'C');
  return atoms.map((_, i) => (chem.complexOf[i] >= 0 ? chem.complexes[chem.complexOf[i]].formula : null));
}

/**
 * Locate the atoms of a crop through the library (inference/locateFrame.ts) at the crop's own pixel
 * size: the network alone (`fit: false`) or with the joint column fit (`fit: true`), optionally with
 * the dihedral test-time augmentation (`tta`, inference/testTimeAugmentation.ts). Species are
 * mapped to elements through the model card.
 * @returns atoms in crop pixels with elements
 * @throws AtomdynError from locateFrame (e.g. a flat image), naming the crop
 */
export async function locateCrop(seg: Segmenter, crop: RealCrop, fit: boolean, tta = false): Promise<CropAtom[]> {
  const element = new Map(seg.card.species.map((s) => [s.name, s.element]));
  const { atoms } = await locateFrame(seg, crop.image, crop.height, crop.width, { inputPixelSizePm: crop.pixelSizePm, fit, tta }, crop.file);
  return atoms.map((a) => ({ x: a.x, y: a.y, element: element.get(a.species) ?? a.species }));
}

/** What became of one labelled Si. */
export interface RealCropOutcome {
  /** The crop's name ('Si1C3/10.hdf5') and acquisition group. */
  crop: string;
  group: string;
  /** Index K of the Si's `defect_coord_K` dataset (its labelled complex). */
  complex: number;
  /** Labelled Si position, crop pixels. */
  x: number;
  y: number;
  /** The crop's folder formula. */
  folderFormula: string;
  /** The composition of the Si's own `defect_coord_K` dataset (the authors' complex). */
  datasetFormula: string;
  /** The label formula: classify's rule on the labelled atoms. */
  labelFormula: string;
  /** Classify's rule on the located atoms, for the located Si matched to this one; {@link MISSED} when none. */
  predictedFormula: string;
  /** Distance to the matched located Si, pm (NaN when missed). */
  distancePm: number;
}

/** Outcomes of one crop: per labelled Si, and the located Si that match no labelled Si. */
export interface RealCropScore {
  outcomes: RealCropOutcome[];
  /** Located Si farther than the radius from every labelled Si. */
  extraSi: number;
}

/**
 * Score one crop's located atoms against its labels (see the header).
 * @param crop the crop (labels, pixel size)
 * @param located atoms located in the crop, pixels of the crop, elements 'C' / 'Si' (any other element counts as a dopant of its own)
 * @param radiusPm match radius between labelled and located Si, pm
 */
export function scoreCrop(crop: RealCrop, located: CropAtom[], radiusPm = REAL_CROPS_MATCH_RADIUS_PM): RealCropScore {
  const px = crop.pixelSizePm;
  const labelF = complexFormulas(crop.atoms, px);
  const predF = complexFormulas(located, px);
  const labelSi = crop.atoms.map((a, i) => ({ ...a, i })).filter((a) => a.element === 'Si');
  const predSi = located.map((a, i) => ({ ...a, i })).filter((a) => a.element === 'Si');
  const pairs = matchPoints(predSi, labelSi, radiusPm / px);
  const partner = new Map(pairs.map(([d, t]) => [t, d]));
  const outcomes = labelSi.map((a, t): RealCropOutcome => {
    const d = partner.get(t);
    const p = d === undefined ? null : predSi[d];
    return {
      crop: crop.name,
      group: crop.group,
      complex: a.complex,
      x: a.x,
      y: a.y,
      folderFormula: crop.folderFormula,
      datasetFormula: crop.datasetFormulas[a.complex],
      labelFormula: labelF[a.i]!,
      predictedFormula: p ? predF[p.i]! : MISSED,
      distancePm: p ? Math.hypot(p.x - a.x, p.y - a.y) * px : NaN,
    };
  });
  return { outcomes, extraSi: predSi.length - pairs.length };
}

/** Right / total of a set of outcomes. */
export interface Accuracy {
  right: number;
  total: number;
}

/** Summary of a {@link RealCropTally}. */
export interface RealCropSummary {
  /** Labelled Si, their crops and the located Si matched to none. */
  si: number;
  crops: number;
  extraSi: number;
  /** Against the label formula (the rule on the labelled atoms). */
  overall: Accuracy;
  /** Against the labelled Si's dataset composition and the folder formula. */
  againstDataset: Accuracy;
  againstFolder: Accuracy;
  /** Labelled Si found (a located Si within the radius). */
  found: Accuracy;
  /** Per labelled complex (dataset): right when every one of its Si has its label formula. */
  perComplex: Accuracy;
  /** Per acquisition group, per labelled complex. */
  perGroupComplex: Record<string, Accuracy>;
  /** Per acquisition group and per label formula, against the label formula. */
  perGroup: Record<string, Accuracy>;
  perFormula: Record<string, Accuracy>;
  /** Per group: label formula -> predicted formula -> count. */
  confusion: Record<string, Record<string, Record<string, number>>>;
}

/** Accumulates crop scores (in the order added). */
export class RealCropTally {
  /** Every outcome so far. */
  readonly outcomes: RealCropOutcome[] = [];
  private extra = 0;
  private crops = 0;

  /** Add one crop's score. */
  add(score: RealCropScore): void {
    this.outcomes.push(...score.outcomes);
    this.extra += score.extraSi;
    this.crops++;
  }

  /** Accuracies, per group and formula, and confusion tables. */
  summary(): RealCropSummary {
    const acc = (list: RealCropOutcome[], truth: (o: RealCropOutcome) => string): Accuracy => ({ right: list.filter((o) => o.predictedFormula === truth(o)).length, total: list.length });
    const by = (key: (o: RealCropOutcome) => string) => {
      const m: Record<string, RealCropOutcome[]> = {};
      for (const o of this.outcomes) (m[key(o)] ??= []).push(o);
      return m;
    };
    const perGroup: Record<string, Accuracy> = {};
    const confusion: RealCropSummary['confusion'] = {};
    for (const [g, list] of Object.entries(by((o) => o.group))) {
      perGroup[g] = acc(list, (o) => o.labelFormula);
      const t: Record<string, Record<string, number>> = {};
      for (const o of list) {
        const row = (t[o.labelFormula] ??= {});
        row[o.predictedFormula] = (row[o.predictedFormula] ?? 0) + 1;
      }
      confusion[g] = t;
    }
    // per labelled complex: right when all its Si are
    const complexes = new Map<string, { group: string; right: boolean }>();
    for (const o of this.outcomes) {
      const key = `${o.crop}#${o.complex}`;
      const c = complexes.get(key) ?? { group: o.group, right: true };
      c.right &&= o.predictedFormula === o.labelFormula;
      complexes.set(key, c);
    }
    const perGroupComplex: Record<string, Accuracy> = {};
    for (const c of complexes.values()) {
      const a = (perGroupComplex[c.group] ??= { right: 0, total: 0 });
      a.total++;
      if (c.right) a.right++;
    }
    const perFormula: Record<string, Accuracy> = {};
    for (const [f, list] of Object.entries(by((o) => o.labelFormula))) perFormula[f] = acc(list, (o) => o.labelFormula);
    return {
      si: this.outcomes.length,
      crops: this.crops,
      extraSi: this.extra,
      overall: acc(this.outcomes, (o) => o.labelFormula),
      againstDataset: acc(this.outcomes, (o) => o.datasetFormula),
      againstFolder: acc(this.outcomes, (o) => o.folderFormula),
      found: { right: this.outcomes.filter((o) => o.predictedFormula !== MISSED).length, total: this.outcomes.length },
      perComplex: { right: [...complexes.values()].filter((c) => c.right).length, total: complexes.size },
      perGroupComplex,
      perGroup,
      perFormula,
      confusion,
    };
  }
}
