/**
 * The real-crops section of bench/locate.ts (a module, not a benchmark of its own: the leading
 * underscore keeps bin/atomdyn-bench.mjs from running it alone). For each graphene model given and
 * for the network alone and the network + joint column fit:
 *
 * 1. formula accuracy on the 90 real labelled Si-C crops of LibraryNet_refined_dev
 *    (evaluation/realCrops.ts): per acquisition group (pixel size), per label formula, a confusion
 *    table (label formula x predicted formula, `missed` when no Si within the radius), and the
 *    accuracy against the authors' datasets and the folder names beside the one against the rule;
 * 2. the Si counted in the real frames G-Si-2nm / G-dimSi / G-trimSi (1 / 2 / 3 expected), through
 *    `runLocate` as a user runs it (the pixel size decided as in a run: file, else lattice).
 *
 * The classical baseline (inference/classicalFinder.ts) runs beside them, as in the other sections.
 *
 * Writes the figures as JSON (`jsonFile`) and, with `docsDir`, a PNG per crop of {@link DOC_CROPS}
 * into `<docsDir>/real-crops/` (crop with the labelled atoms on the left and the first model's
 * located atoms on the right, network alone and with the fit).
 */
import os from 'node:os';
import path from 'node:path';
import { mkdirSync, mkdtempSync, readdirSync, existsSync, readFileSync, rmSync } from 'node:fs';
import sharp from 'sharp';
import { loadModel } from '../models/modelIO.ts';
import { PRETRAINED_DIR, resolveModelPath } from '../models/registry.ts';
import { MATERIALS, materialByName } from '../models/materials.ts';
import { findAtomsClassical } from '../inference/classicalFinder.ts';
import { tfSegmenter, type Segmenter } from '../inference/segmenter.ts';
import { listRealCrops, locateCrop, readRealCrop, scoreCrop, MISSED, REAL_CROPS_MATCH_RADIUS_PM, RealCropTally, type CropAtom, type RealCrop, type RealCropOutcome, type RealCropSummary } from '../evaluation/realCrops.ts';
import { sharedData } from '../evaluation/sharedData.ts';
import { renderOverlayPng } from '../data/writers/overlayPng.ts';
import { writeFileAtomic } from '../data/atomicWrite.ts';
import { runLocate, type LocateFlags } from '../cli/commands/locate.ts';

/**
 * Crops drawn with `--docs` (docs/real-crops.md gives the reasoning): those whose label looks wrong,
 * and one where classify's rule and the authors' grouping differ; `whole` draws the whole crop
 * instead of the window around the labelled atoms.
 */
export const DOC_CROPS: ReadonlyArray<{ name: string; whole?: boolean }> = [
  { name: 'Si1C3/237.hdf5', whole: true },
  { name: 'Si1C3/478.hdf5', whole: true },
  { name: 'Si2C5/3.hdf5' },
  { name: 'Si2C6/84.hdf5' },
];

/** The real frames and the Si each holds. */
const REAL_FRAMES: ReadonlyArray<[string, number]> = [['G-Si-2nm.hdf5', 1], ['G-dimSi.hdf5', 2], ['G-trimSi.hdf5', 3]];

/**
 * Every graphene-family model installed in models/pretrained (folders with model.json whose card's
 * lattice is graphene), `graphene-si` first, then by name.
 */
export function installedGrapheneModels(): string[] {
  if (!existsSync(PRETRAINED_DIR)) return [];
  return readdirSync(PRETRAINED_DIR)
    .filter((d) => {
      const card = path.join(PRETRAINED_DIR, d, 'card.json');
      if (!existsSync(path.join(PRETRAINED_DIR, d, 'model.json')) || !existsSync(card)) return false;
      const c = JSON.parse(readFileSync(card, 'utf8')) as { lattice?: { name?: string } };
      return materialByName(c.lattice?.name)?.family === 'graphene';
    })
    .sort((a, b) => (a === 'graphene-si' ? -1 : b === 'graphene-si' ? 1 : a < b ? -1 : 1));
}

/** Si in frame 0 of each real frame, located by `runLocate` with the given flags (or why it failed). */
async function countRealFrameSi(tmp: string, tag: string, flags: Omit<LocateFlags, 'out'>): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  for (const [file] of REAL_FRAMES) {
    try {
      const { table } = await runLocate(sharedData('graphene_Si', file), { ...flags, out: path.join(tmp, `${tag}-${file}`) }, ['bench']);
      out[file] = table.rows.filter((r) => r.frame === 0 && r.species === 'Si').length;
    } catch (e) {
      out[file] = `failed: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  return out;
}

/** A model name (models/pretrained/<name>, shipped or not) or a folder -> the model folder. */
function modelDir(name: string): string {
  const shipped = path.join(PRETRAINED_DIR, name);
  return existsSync(path.join(shipped, 'model.json')) ? shipped : resolveModelPath(name, '--models');
}

const METHODS = [['U-Net', false, false], ['U-Net + TTA', false, true], ['U-Net + fit', true, false]] as const;

interface RunFigures {
  model: string;
  method: string;
  summary: RealCropSummary;
  outcomes: RealCropOutcome[];
  msPerCrop: number;
  realFrames: Record<string, number | string>;
}

const pct = (a: { right: number; total: number } | undefined) => (a && a.total ? `${((100 * a.right) / a.total).toFixed(1)} % (${a.right}/${a.total})` : '-');

/** Half the side of the drawn window around the labelled atoms, pm. */
const WINDOW_HALF_PM = 500;

/** The window of a crop drawn around its labelled atoms (pixels, clamped to the frame). */
function cropWindow(crop: RealCrop, whole: boolean): { x0: number; y0: number; w: number; h: number } {
  if (whole) return { x0: 0, y0: 0, w: crop.width, h: crop.height };
  const cx = crop.atoms.reduce((s, a) => s + a.x, 0) / crop.atoms.length;
  const cy = crop.atoms.reduce((s, a) => s + a.y, 0) / crop.atoms.length;
  const half = Math.round(WINDOW_HALF_PM / crop.pixelSizePm);
  const x0 = Math.max(0, Math.min(crop.width - 2 * half, Math.round(cx) - half));
  const y0 = Math.max(0, Math.min(crop.height - 2 * half, Math.round(cy) - half));
  return { x0, y0, w: Math.min(crop.width, 2 * half), h: Math.min(crop.height, 2 * half) };
}

/** A panel: the window of the crop with atoms (shifted into it), a title line. */
async function panel(crop: RealCrop, atoms: CropAtom[], title: string, whole: boolean): Promise<Buffer> {
  const { x0, y0, w, h } = cropWindow(crop, whole);
  const sub = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) sub[y * w + x] = crop.image[(y + y0) * crop.width + x + x0];
  const inside = atoms.filter((a) => a.x >= x0 - 0.5 && a.y >= y0 - 0.5 && a.x < x0 + w - 0.5 && a.y < y0 + h - 0.5);
  return renderOverlayPng(sub, h, w, inside.map((a) => ({ x: a.x - x0, y: a.y - y0, species: a.element })), {
    scale: Math.max(1, Math.round(640 / w)),
    colors: { C: '#56B4E9', Si: '#E69F00' },
    radius: (whole ? 35 : 22) / crop.pixelSizePm,
    title,
  });
}

/**
 * Write `<dir>/<folder>-<name>.png`: one panel per entry (label, then the located atoms), side by side,
 * each the 1000 pm window around the labelled atoms (or the whole crop) with the atoms drawn (C blue,
 * Si orange).
 * @returns the file written
 */
export async function writeCropPng(dir: string, crop: RealCrop, panels: Array<{ atoms: CropAtom[]; title: string }>, whole = false): Promise<string> {
  const pngs = await Promise.all(panels.map((p) => panel(crop, p.atoms, p.title, whole)));
  const metas = await Promise.all(pngs.map((p) => sharp(p).metadata()));
  const gap = 8;
  const W = metas.reduce((s, m) => s + m.width!, 0) + gap * (pngs.length - 1);
  const H = Math.max(...metas.map((m) => m.height!));
  let left = 0;
  const layers = pngs.map((input, k) => {
    const l = { input, top: 0, left };
    left += metas[k].width! + gap;
    return l;
  });
  const out = await sharp({ create: { width: W, height: H, channels: 3, background: '#000000' } }).composite(layers).png({ compressionLevel: 9 }).toBuffer();
  const file = path.join(dir, `${crop.name.replace('/', '-').replace(/\.hdf5$/, '')}.png`);
  await writeFileAtomic(file, out);
  return file;
}

/**
 * Run the section and return its markdown lines.
 * @param models model names (models/pretrained/<name>) or folders (one that cannot be found is skipped
 *   with a line saying why)
 * @param opts `jsonFile`: where the figures go (JSON, with every labelled Si's outcome); `docsDir`: also write the suspect crops' PNGs
 *   under `<docsDir>/real-crops/` and the JSON as `<docsDir>/real-crops.json`; `allPngs`: a folder
 *   to draw every crop into (for looking at them)
 */
export async function realCropsSection(models: string[], opts: { jsonFile: string; docsDir?: string | null; allPngs?: string | null }): Promise<string[]> {
  const root = sharedData('graphene_Si', 'LibraryNet_refined_dev');
  const crops = await Promise.all(listRealCrops(root).map(readRealCrop));
  const runs: RunFigures[] = [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-bench-real-'));
  // per crop name: the first model's located atoms, network alone and with the fit (for the PNGs)
  const firstLocated = new Map<string, Record<string, CropAtom[]>>();
  const firstFormula = new Map<string, Record<string, string>>();
  const skipped: string[] = [];
  const quiet = process.env.ATOMDYN_QUIET;
  process.env.ATOMDYN_QUIET = '1';
  try {
    for (const [mi, name] of models.entries()) {
      let dir: string;
      try {
        dir = modelDir(name);
      } catch (e) {
        skipped.push(`${name}: ${(e as Error).message}`);
        continue;
      }
      const { model, card } = await loadModel(dir);
      const seg: Segmenter = tfSegmenter(model, card);
      for (const [method, fit, tta] of METHODS) {
        const tally = new RealCropTally();
        let ms = 0;
        for (const crop of crops) {
          const t0 = Date.now();
          const located = await locateCrop(seg, crop, fit, tta);
          ms += Date.now() - t0;
          const score = scoreCrop(crop, located);
          tally.add(score);
          if (mi === 0) {
            (firstLocated.get(crop.name) ?? firstLocated.set(crop.name, {}).get(crop.name)!)[method] = located;
            const f = score.outcomes.map((o) => o.predictedFormula).join(', ');
            (firstFormula.get(crop.name) ?? firstFormula.set(crop.name, {}).get(crop.name)!)[method] = f;
          }
        }
        const realFrames = await countRealFrameSi(tmp, `${mi}-${fit}-${tta}`, { model: dir, fit, tta });
        runs.push({ model: name, method, summary: tally.summary(), outcomes: tally.outcomes, msPerCrop: ms / crops.length, realFrames });
      }
      seg.dispose?.();
      model.dispose();
    }
    // the classical baseline (inference/classicalFinder.ts: LoG, Gaussian refinement, Otsu species split), as in the other sections
    const bond = MATERIALS.graphene.bondPm;
    const tally = new RealCropTally();
    let ms = 0;
    for (const crop of crops) {
      const t0 = Date.now();
      const located = findAtomsClassical(crop.image, crop.height, crop.width, { atomSigmaPx: 95 / 2.355 / crop.pixelSizePm, minDistancePx: (0.7 * bond) / crop.pixelSizePm })
        .map((a) => ({ x: a.x, y: a.y, element: a.speciesIndex ? 'Si' : 'C' }));
      ms += Date.now() - t0;
      tally.add(scoreCrop(crop, located));
    }
    runs.push({ model: '-', method: 'classical', summary: tally.summary(), outcomes: tally.outcomes, msPerCrop: ms / crops.length, realFrames: await countRealFrameSi(tmp, 'classical', { model: 'classical', lattice: 'graphene' }) });
  } finally {
    if (quiet === undefined) delete process.env.ATOMDYN_QUIET;
    else process.env.ATOMDYN_QUIET = quiet;
    rmSync(tmp, { recursive: true, force: true });
  }

  // label formulas (rule) that differ from the authors' datasets or the folder
  const disagreements: string[] = [];
  {
    const t = new RealCropTally();
    for (const c of crops) t.add(scoreCrop(c, c.atoms));
    const seen = new Set<string>();
    for (const o of t.outcomes) {
      if (o.labelFormula === o.datasetFormula && o.labelFormula === o.folderFormula) continue;
      const key = `${o.crop}: rule ${o.labelFormula}, dataset ${o.datasetFormula}, folder ${o.folderFormula}`;
      if (!seen.has(key)) disagreements.push(key);
      seen.add(key);
    }
  }

  const groups = [...new Set(crops.map((c) => c.group))].sort((a, b) => Number.parseFloat(a) - Number.parseFloat(b) || (a < b ? 1 : -1));
  const formulas = [...new Set(runs.flatMap((r) => Object.keys(r.summary.perFormula)))].sort();
  const out: string[] = [];
  for (const l of skipped) out.push(`model skipped: ${l}`);
  const nSi = runs[0]?.summary.si ?? 0;
  out.push(`Real labelled Si-C crops (${path.basename(root)}: ${crops.length} crops, ${nSi} labelled Si; evaluation/realCrops.ts): formula of the complex around each labelled Si by classify's rule (chemistry.ts, C-Si <= 215 pm, Si-Si <= 240 pm) from the located atoms against the same rule on the labelled atoms; a labelled Si is found when a located Si is within ${REAL_CROPS_MATCH_RADIUS_PM} pm`);
  out.push(`| model | method | ${groups.join(' | ')} | all | vs dataset composition | vs folder | Si found | extra Si | ms/crop |`);
  out.push(`|---|---|${groups.map(() => '---|').join('')}---|---|---|---|---|---|`);
  for (const r of runs) {
    const s = r.summary;
    out.push(`| ${r.model} | ${r.method} | ${groups.map((g) => pct(s.perGroup[g])).join(' | ')} | ${pct(s.overall)} | ${pct(s.againstDataset)} | ${pct(s.againstFolder)} | ${pct(s.found)} | ${s.extraSi} | ${r.msPerCrop.toFixed(0)} |`);
  }
  out.push('');
  out.push('Per labelled complex (a `defect_coord_K` dataset: right when every one of its Si has its label formula)');
  out.push(`| model | method | ${groups.join(' | ')} | all |`);
  out.push(`|---|---|${groups.map(() => '---|').join('')}---|`);
  for (const r of runs) out.push(`| ${r.model} | ${r.method} | ${groups.map((g) => pct(r.summary.perGroupComplex[g])).join(' | ')} | ${pct(r.summary.perComplex)} |`);
  out.push('');
  out.push('Per label formula (all pixel sizes)');
  out.push(`| model | method | ${formulas.join(' | ')} |`);
  out.push(`|---|---|${formulas.map(() => '---|').join('')}`);
  for (const r of runs) out.push(`| ${r.model} | ${r.method} | ${formulas.map((f) => pct(r.summary.perFormula[f])).join(' | ')} |`);
  for (const r of runs) {
    out.push('');
    out.push(`Confusion, ${r.model}, ${r.method} (rows: pixel-size group and label formula; columns: predicted formula)`);
    const cols = [...new Set(Object.values(r.summary.confusion).flatMap((t) => Object.values(t).flatMap((row) => Object.keys(row))))]
      .sort((a, b) => (a === MISSED ? 1 : b === MISSED ? -1 : a < b ? -1 : 1));
    out.push(`| group | label | ${cols.join(' | ')} |`);
    out.push(`|---|---|${cols.map(() => '---|').join('')}`);
    for (const g of groups) {
      const t = r.summary.confusion[g] ?? {};
      for (const lf of Object.keys(t).sort()) out.push(`| ${g} | ${lf} | ${cols.map((c) => (t[lf][c] ? (c === lf ? `**${t[lf][c]}**` : String(t[lf][c])) : '')).join(' | ')} |`);
    }
  }
  out.push('');
  out.push(`Labelled Si whose rule formula differs from their dataset's composition or the folder (${disagreements.length}): ${disagreements.join('; ') || 'none'}`);
  out.push('');
  out.push('Si counted in the real frames (`runLocate`, frame 0; expected 1 / 2 / 3)');
  out.push(`| model | method | ${REAL_FRAMES.map(([f, n]) => `${f} (${n})`).join(' | ')} |`);
  out.push(`|---|---|${REAL_FRAMES.map(() => '---|').join('')}`);
  const failures = new Set<string>();
  for (const r of runs) {
    out.push(`| ${r.model} | ${r.method} | ${REAL_FRAMES.map(([f]) => {
      const v = r.realFrames[f];
      if (typeof v === 'number') return String(v);
      failures.add(`${r.method} on ${f}: ${v}`);
      return 'failed';
    }).join(' | ')} |`);
  }
  for (const f of failures) out.push(`- ${f}`);

  const report = {
    when: new Date().toISOString(),
    root: path.basename(root),
    matchRadiusPm: REAL_CROPS_MATCH_RADIUS_PM,
    crops: crops.length,
    groups,
    labelDisagreements: disagreements,
    runs: runs.map((r) => ({ model: r.model, method: r.method, msPerCrop: r.msPerCrop, realFrames: r.realFrames, ...r.summary })),
  };
  mkdirSync(path.dirname(opts.jsonFile), { recursive: true });
  // the .bench copy also holds every labelled Si's outcome (crop by crop comparisons between models)
  const withOutcomes = { ...report, runs: report.runs.map((r, k) => ({ ...r, outcomes: runs[k].outcomes })) };
  await writeFileAtomic(opts.jsonFile, JSON.stringify(withOutcomes, null, 1) + '\n');
  out.push('');
  out.push(`(figures also in ${path.relative(process.cwd(), opts.jsonFile)})`);
  const drawn: Array<[string, string, boolean]> = [];
  if (opts.docsDir) {
    await writeFileAtomic(path.join(opts.docsDir, 'real-crops.json'), JSON.stringify(report, null, 2) + '\n');
    const d = path.join(opts.docsDir, 'real-crops');
    mkdirSync(d, { recursive: true });
    for (const { name, whole } of DOC_CROPS) if (crops.some((c) => c.name === name)) drawn.push([d, name, !!whole]);
  }
  if (opts.allPngs) {
    mkdirSync(opts.allPngs, { recursive: true });
    for (const c of crops) drawn.push([opts.allPngs, c.name, false]);
  }
  for (const [d, name, whole] of drawn) {
    const crop = crops.find((c) => c.name === name)!;
    const lab = scoreCrop(crop, crop.atoms).outcomes.map((o) => o.labelFormula).join(', ');
    const loc = firstLocated.get(name) ?? {};
    const fm = firstFormula.get(name) ?? {};
    const file = await writeCropPng(d, crop, [
      { atoms: crop.atoms, title: `${name} label ${lab} (datasets ${crop.datasetFormulas.join(', ')})` },
      ...METHODS.map(([m]) => ({ atoms: loc[m] ?? [], title: `${models[0]} ${m}: ${fm[m] ?? ''}` })),
    ], whole);
    if (d !== opts.allPngs) out.push(`wrote ${path.relative(process.cwd(), file)}`);
  }
  return out;
}
