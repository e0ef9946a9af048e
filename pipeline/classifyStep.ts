/**
 * The `classify` step as one library call into a run folder: the local configuration of each centre
 * atom (dynamics/configurations/classifyConfigurations.ts, or a saved ConfigurationModel applied),
 * written as DIR/configurations.csv (docs/schema.md), DIR/classes.png (the class gallery),
 * DIR/model.json (means, covariances, weights, BIC curve) and DIR/run.json. `atomdyn classify`
 * parses its flags and reads its input, then calls {@link classifyStep}; {@link analyzeMovie} calls
 * it on the tracks in memory and the movie it opened once.
 */
import path from 'node:path';
import { writeCsv } from '../data/csvTable.ts';
import { writeFileAtomic } from '../data/atomicWrite.ts';
import type { FrameStack } from '../data/frameStack.ts';
import { resolvePixelSize } from '../data/pixelSize.ts';
import { finalPaths, withRunFolder } from '../data/runFolder.ts';
import { newRun, type RunMetadata, type Sourced } from '../data/runMetadata.ts';
import { pointGroupForLattice } from '../models/materials.ts';
import { atomsFromTable, chooseDefectCentres, groupByFrame, type AtomRecord } from '../dynamics/configurations/centres.ts';
import { classifyDefectComplexes } from '../dynamics/configurations/defectComplexes.ts';
import { DEFECT_SPECIES } from '../dynamics/tracking/defectTracks.ts';
import { medianNearestNeighbourDistance } from '../numerics/spatialGrid.ts';
import type { Table } from '../data/csvTable.ts';
import { classifyConfigurations, type ClassifyOptions, type ClassifyResult } from '../dynamics/configurations/classifyConfigurations.ts';
import type { ConfigurationModel } from '../dynamics/configurations/configurationModel.ts';
import { cutoffsFromCard, grapheneSiCutoffs } from '../dynamics/configurations/chemistry.ts';
import { projectedPointGroup } from '../dynamics/configurations/pointGroups.ts';
import { galleryFromResult, renderClassGallery } from '../report/classGallery.ts';
import { asWritten, type StepOutput } from './stepOutput.ts';

/** The columns of configurations.csv (docs/schema.md). */
export const CONFIGURATION_COLUMNS = ['frame', 'particle', 'x', 'y', 'complex', 'formula', 'state', 'state_name', 'rotation', 'mirror', 'probability'];

/** What {@link classifyStep} classifies. */
export interface ClassifyStepInput {
  /** The atoms (tracks.csv or atoms.csv rows, dynamics/configurations/centres.ts atomsFromTable). */
  atoms: AtomRecord[];
  /** Species -> element (the previous run.json's, completed from the table). */
  species: Record<string, string>;
  /** The centre an input implies (a coordinates file: its rarest species); `centre` overrides it. */
  defaultCentre?: string;
  /** A pixel size the input file carries (a coordinates file), below run.json's. */
  filePixelSize?: Sourced<number> | null;
  /** The frames the atoms came from (gallery, image descriptor), or null; not closed here. */
  frames: FrameStack | null;
  /** The movie as the user named it (run.json `inputs`), when given. */
  framesPath?: string | null;
}

/** Options of {@link classifyStep}: those of {@link classifyConfigurations} and what the step adds. */
export interface ClassifyStepOptions extends Omit<ClassifyOptions, 'pointGroup' | 'cutoffs' | 'neighbours'> {
  /** Point group of the lattice; default the model card's (projected along the beam), the lattice's, else 6mm. */
  pointGroup?: string;
  /** Neighbour slots per centre; default a whole first shell: 3 about an MX2 site (3m), else 4. */
  neighbours?: number;
  /** Pixel size, pm, overriding run.json and the file. */
  pixelSizePm?: number;
  /** A saved classifier to apply instead of fitting one, and its file (for run.json). */
  model?: { model: ConfigurationModel; path: string } | null;
}

/** What {@link classifyStep} returns. */
export interface ClassifyStepResult {
  /**
   * The classification (rows of configurations.csv before rounding, classes, model); null when the
   * centres were point defects classified by their complex (then see `defectLines`).
   */
  result: ClassifyResult | null;
  /** With point defects as centres: a summary, one line per frame (first 10) and one overall. */
  defectLines?: string[];
  /** configurations.csv as written. */
  rows: Array<Record<string, unknown>>;
  /** run.json as written (paths final, `complete: true`). */
  run: RunMetadata;
}

/**
 * The input of {@link classifyStep} from a tracks or atoms table (columns frame, x, y, species; element,
 * particle optional): species -> element from the previous run.json, completed from the table.
 * @param table the table (checked, data/tableChecks.ts)
 * @param file its name, for messages
 * @param previous the run.json beside it, or null
 * @param order the rows to read, in this order (data/tableChecks.ts checkedRows: the checked table without its copy); default all
 * @throws AtomdynError naming `file` for a missing column or a bad cell
 */
export function classifyInputFromTable(table: Table, file: string, previous: RunMetadata | null, frames: FrameStack | null, framesPath?: string | null, order?: ArrayLike<number>): ClassifyStepInput {
  const atoms = atomsFromTable(table, file, order);
  const species: Record<string, string> = { ...(previous?.species ?? {}) };
  for (const a of atoms) species[a.species] ??= a.element;
  return { atoms, species, filePixelSize: null, frames, framesPath: framesPath ?? null };
}

/**
 * Classify the centres of `input` and write the step's files into a fresh run folder at `output.out`.
 * The point group, bond cut-offs and pixel size default from the previous run.json
 * (`output.previous`): its model card, lattice and calibration.
 *
 * @param input the atoms, their species and the frames
 * @param options see {@link ClassifyStepOptions}
 * @param output where and how to write; `source` names the table (run.json, gallery title)
 * @returns the classification, configurations.csv rows and run.json as written
 * @throws AtomdynError naming the option or the input (see classifyConfigurations)
 */
export async function classifyStep(input: ClassifyStepInput, options: ClassifyStepOptions, output: StepOutput): Promise<ClassifyStepResult> {
  const previous = output.previous ?? null;
  const pixel = resolvePixelSize({ commandLinePm: options.pixelSizePm, runJson: previous?.pixelSizePm, file: input.filePixelSize });
  const card = (previous?.model as { card?: unknown } | null)?.card;
  // point defects (tracks.csv rows of species defect, from an MX2 run's sites.csv) are centres of their own kind
  const defectRows = input.atoms.filter((a) => a.species === DEFECT_SPECIES);
  if (defectRows.length || options.centre?.trim() === 'defects') {
    input = { ...input, atoms: input.atoms.filter((a) => a.species !== DEFECT_SPECIES) };
    const defectCentres = options.model ? null : chooseDefectCentres(options.centre, defectRows, input.atoms, card);
    if (defectCentres) return classifyDefectsStep(input, defectCentres, options, output);
  }
  const c = (card && typeof card === 'object' ? card : {}) as Record<string, unknown>;
  const lat = (c.lattice && typeof c.lattice === 'object' ? c.lattice : {}) as Record<string, unknown>;
  const cardGroup = lat.pointGroup ?? c.pointGroup ?? c.point_group;
  // precedence: pointGroup > the model card's (projected along the beam) > the lattice name > 6mm
  const pg = options.pointGroup ?? (typeof cardGroup === 'string' ? projectedPointGroup(cardGroup) : null) ?? pointGroupForLattice(previous?.lattice) ?? '6mm';
  // bond cut-offs: 1.25 x the card's typical lengths, except for C and Si, whose projected Si-C
  // bonds range from 155 (Si-C3) to 195 pm (Si-C4): the graphene defaults (chemistry.ts) win there
  const fromCard = cutoffsFromCard(card, input.species) ?? cutoffsFromCard(lat, input.species);
  const cutoffs = fromCard ? new Map([...fromCard, ...grapheneSiCutoffs()]) : undefined;
  const source = output.source ?? 'atoms';
  const { model: saved, pixelSizePm: _px, pointGroup: _pg, neighbours, ...rest } = options;
  return withRunFolder(output.out, { inputs: output.inputs, overwrite: output.overwrite }, async (folder) => {
    const classifyInput = {
      atoms: input.atoms,
      pixelSizePm: pixel.value,
      frames: input.frames,
      frameSize: previous?.frames ? { width: previous.frames.width, height: previous.frames.height } : null,
      card,
    };
    const result = saved
      ? await saved.model.predict(classifyInput, { progress: options.progress })
      : await classifyConfigurations(classifyInput, {
          ...rest,
          centre: options.centre ?? input.defaultCentre,
          pointGroup: pg,
          // a partial shell makes equivalent sites differ by which shell member fills the last slot
          neighbours: neighbours ?? (/^3m/.test(String(pg)) ? 3 : 4),
          cutoffs,
        });
    const out = folder.dir;
    const rows = result.rows.map((r) => ({ ...r, rotation: r.rotation === null ? null : Number(r.rotation.toFixed(3)), probability: r.probability === null ? null : Number(r.probability.toPrecision(6)) }));
    await writeCsv(path.join(out, 'configurations.csv'), { columns: CONFIGURATION_COLUMNS, rows });
    const gallery = await renderClassGallery(galleryFromResult(result, 6, `${path.basename(source)}: ${result.k} class(es), ${result.settings.method}, ${result.group.name}`));
    await writeFileAtomic(path.join(out, 'classes.png'), gallery);
    const formulaCounts: Record<string, number> = {};
    for (const cx of result.complexes) formulaCounts[cx.formula] = (formulaCounts[cx.formula] ?? 0) + 1;
    const modelJson = {
      kind: 'atomdyn-classify-model/1',
      ...result.model,
      classes: result.classes,
      bic: result.bic,
      complexes: { counts: formulaCounts, frames: result.complexes.length <= 2000 ? result.complexes : undefined },
      settings: result.settings,
    };
    await writeFileAtomic(path.join(out, 'model.json'), JSON.stringify(modelJson, null, 1) + '\n');
    const run = newRun('classify', output.command, previous);
    run.inputs = [path.resolve(source), ...(input.framesPath ? [path.resolve(input.framesPath)] : []), ...(saved ? [path.resolve(saved.path)] : [])];
    if (!run.source) run.source = input.framesPath ? path.resolve(input.framesPath) : path.resolve(source);
    if (input.frames && !run.frames) run.frames = { count: input.frames.count, height: input.frames.height, width: input.frames.width };
    run.pixelSizePm =
      result.scaleOrigin === 'lattice'
        ? { value: result.scalePmPerPx, origin: 'lattice', note: 'derived from the host bond length; no pixel size given' }
        : (pixel as Sourced<number>);
    run.species = { ...run.species, ...input.species };
    run.seed = options.seed ?? 0;
    run.parameters = { ...result.settings, units: result.units, k: result.k, ...(saved ? { model: path.resolve(saved.path) } : {}) };
    run.outputs = ['configurations.csv', 'classes.png', 'model.json'];
    run.warnings = [...result.warnings];
    await folder.commit(run);
    return { result, rows, run: asWritten(finalPaths(run)) };
  });
}

/**
 * {@link classifyStep} with point defects as centres (dynamics/configurations/defectComplexes.ts): each
 * defect gets its complex's name (single, pair:, line:, cluster:) as its state; writes
 * configurations.csv, model.json (method `defect-complexes`) and run.json. The lattice constant is the
 * metal-metal distance of the first frame's metal atoms, else sqrt(3) x the nearest-neighbour distance.
 * @throws AtomdynError naming `centre` when the lattice constant cannot be measured
 */
async function classifyDefectsStep(input: ClassifyStepInput, defects: AtomRecord[], options: ClassifyStepOptions, output: StepOutput): Promise<ClassifyStepResult> {
  const previous = output.previous ?? null;
  const first = groupByFrame(input.atoms)[0]?.atoms ?? [];
  const metal = first.filter((a) => a.species === 'metal');
  const a = metal.length >= 2
    ? medianNearestNeighbourDistance(metal.map((m) => m.x), metal.map((m) => m.y))
    : Math.sqrt(3) * medianNearestNeighbourDistance(first.map((m) => m.x), first.map((m) => m.y));
  const result = classifyDefectComplexes(defects, a);
  const source = output.source ?? 'atoms';
  return withRunFolder(output.out, { inputs: output.inputs, overwrite: output.overwrite }, async (folder) => {
    const r4 = (v: number) => Math.round(v * 1e4) / 1e4;
    const rows = result.rows.map((r) => ({ ...r, x: r4(r.x), y: r4(r.y) }));
    await writeCsv(path.join(folder.dir, 'configurations.csv'), { columns: CONFIGURATION_COLUMNS, rows });
    const modelJson = {
      kind: 'atomdyn-classify-model/1',
      method: 'defect-complexes',
      classNames: result.classes.map((c) => c.name),
      classes: result.classes.map((c) => ({ name: c.name, count: c.count, weight: c.count / Math.max(1, result.rows.length), formulas: { [c.name]: c.count } })),
      k: result.classes.length,
      bic: null,
      complexes: { counts: Object.fromEntries(result.classes.map((c) => [c.name, result.complexes.filter((x) => x.name === c.name).length])) },
      settings: { centre: options.centre ?? 'defects', latticeConstantPx: Number(a.toFixed(4)), joinFactor: 1.1 },
    };
    await writeFileAtomic(path.join(folder.dir, 'model.json'), JSON.stringify(modelJson, null, 1) + '\n');
    const run = newRun('classify', output.command, previous);
    run.inputs = [path.resolve(source)];
    if (!run.source) run.source = path.resolve(source);
    run.species = { ...run.species, ...input.species };
    run.parameters = { method: 'defect-complexes', centre: options.centre ?? 'defects', k: result.classes.length, latticeConstantPx: Number(a.toFixed(4)) };
    run.outputs = ['configurations.csv', 'model.json'];
    run.warnings = [];
    await folder.commit(run);
    const byFrame = new Map<number, string[]>();
    for (const c of result.complexes) byFrame.set(c.frame, [...(byFrame.get(c.frame) ?? []), c.name]);
    const lines: string[] = [];
    for (const [fr, names] of [...byFrame.entries()].sort((p, q) => p[0] - q[0]).slice(0, 10)) lines.push(`frame ${fr}: ${names.length} defect complex(es): ${[...new Set(names)].map((n) => `${n} x${names.filter((m) => m === n).length}`).join(', ')}`);
    lines.push(`${result.rows.length} defect centre(s) in ${result.classes.length} class(es) by their complex: ${result.classes.map((c) => `${c.name} ${c.count}`).join(', ')}`);
    return { result: null, defectLines: lines, rows, run: asWritten(finalPaths(run)) };
  });
}
