/**
 * `atomdyn strain <atoms.csv> [--reference X,Y,W,H] --out DIR`: unit cells, strain and B-site
 * displacements (polarisation) with standard errors propagated from each atom's position error.
 * Writes DIR/cells.csv, DIR/strain.csv, DIR/polarisation.csv (when a second sublattice is present),
 * DIR/cells.json (summaries, reference lattice), DIR/strain.html (maps and histograms) and DIR/run.json.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AtomdynError } from '../../data/errors.ts';
import { assertNotInput, protectInput, writeFileAtomic } from '../../data/atomicWrite.ts';
import { readCsv, writeCsv, type Cell as CsvCell } from '../../data/csvTable.ts';
import { newRun, pickSourced, readRunBeside, type Sourced } from '../../data/runMetadata.ts';
import { analyseCells, type CellAnalysis } from '../../analytics/cells/cellAnalysis.ts';
import type { CellShape, Region } from '../../analytics/cells/unitCells.ts';
import { strainReportHtml } from '../../report/strainReport.ts';
import { terminalProgress } from '../progress.ts';
import { withRunFolder } from '../../data/runFolder.ts';

/** Parsed flags of `strain`. */
export interface StrainFlags {
  out: string;
  /** Replace the run already in --out (the whole folder). */
  overwrite?: boolean;
  reference?: string;
  species?: string;
  centreSpecies?: string;
  pixelSize?: string;
  sigma?: string;
  sigmaPx?: string;
  shape?: string;
  frame?: string;
}

function positive(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v.replace(/(pm|px)$/, ''));
  if (!(x > 0) || !Number.isFinite(x)) throw new AtomdynError(flag, `expected a positive number, found '${v}'`);
  return x;
}

/** Parse `X,Y,W,H` (px). */
export function parseRegion(text: string): Region {
  const p = text.split(',').map((s) => Number(s.trim()));
  if (p.length !== 4 || p.some((v) => !Number.isFinite(v)) || !(p[2] > 0 && p[3] > 0)) {
    throw new AtomdynError('--reference', `expected X,Y,W,H in pixels (top-left corner, width, height > 0), found '${text}'`);
  }
  return { x: p[0], y: p[1], width: p[2], height: p[3] };
}

/** The result of one run of the step (for the analyze pipeline and tests). */
export interface StrainRun {
  frames: Array<{ frame: number; analysis: CellAnalysis }>;
  pixelSizePm: number | null;
  warnings: string[];
}

/**
 * Run the step: read atoms, analyse every frame, write the tables, the summary and the page.
 * @param input atoms.csv (columns frame, x, y; optional species, sigma_pm)
 * @param command argv (for run.json)
 * @throws AtomdynError on bad input or flags (one line, naming the file or flag)
 */
export async function runStrain(input: string, flags: StrainFlags, command: string[]): Promise<StrainRun> {
  const file = path.resolve(input);
  if (!existsSync(file)) throw new AtomdynError(input, 'no such file');
  protectInput(file);
  const previous = readRunBeside(file);
  if (previous) protectInput(path.join(path.dirname(file), 'run.json'));
  const region = flags.reference ? parseRegion(flags.reference) : null;
  const shape = flags.shape && flags.shape !== 'auto' ? (flags.shape as CellShape) : undefined;
  if (shape && shape !== 'parallelogram' && shape !== 'triangle') throw new AtomdynError('--shape', `expected auto, parallelogram or triangle, found '${flags.shape}'`);

  const run = newRun('strain', command, previous);
  const cli = <T>(v: T | undefined): Sourced<T> | null => (v === undefined ? null : { value: v, origin: 'command-line' });
  run.pixelSizePm = pickSourced(cli(positive('--pixel-size', flags.pixelSize)), run.pixelSizePm);
  const table = readCsv(file, ['frame', 'x', 'y']);
  // a pixel size can also be read off the table itself (x_pm / x)
  if (run.pixelSizePm.value === null && table.columns.includes('x_pm')) {
    const r = table.rows.find((row) => typeof row.x_pm === 'number' && typeof row.x === 'number' && Math.abs(row.x as number) > 1);
    if (r) run.pixelSizePm = { value: (r.x_pm as number) / (r.x as number), origin: 'file', note: 'x_pm / x of atoms.csv' };
  }
  const pixel = run.pixelSizePm.value;
  const statedPm = positive('--sigma', flags.sigma);
  const statedPx = positive('--sigma-px', flags.sigmaPx);
  if (statedPm !== undefined && pixel === null) throw new AtomdynError('--sigma', 'a position noise in pm needs the pixel size: give --pixel-size, or --sigma-px');
  const fallbackPx = statedPx ?? (statedPm !== undefined ? statedPm / pixel! : undefined);
  const hasPm = table.columns.includes('sigma_pm'), hasPx = table.columns.includes('sigma_px');
  if (!hasPm && !hasPx && fallbackPx === undefined) throw new AtomdynError(file, "no sigma_pm column: state the position noise with --sigma PM (or --sigma-px PX) so every value gets an error bar");
  if (hasPm && !hasPx && pixel === null && fallbackPx === undefined) throw new AtomdynError(file, 'sigma_pm needs the pixel size to convert to pixels: give --pixel-size PM');

  const species = new Set(table.rows.map((r) => r.species).filter((s) => s !== null && s !== undefined).map(String));
  const latticeSpecies = flags.species ?? (species.has('A') && species.has('B') ? 'A' : null);
  const centreSpecies = flags.centreSpecies ?? (latticeSpecies === 'A' && species.has('B') ? 'B' : null);
  for (const [flag, s] of [['--species', latticeSpecies], ['--centre-species', centreSpecies]] as const) {
    if (s !== null && !species.has(s)) throw new AtomdynError(flag, `no atoms of species '${s}' in ${input} (species: ${[...species].join(', ') || 'none'})`);
  }
  const onlyFrame = flags.frame === undefined ? null : Number(flags.frame);
  if (onlyFrame !== null && !Number.isInteger(onlyFrame)) throw new AtomdynError('--frame', `expected a frame index, found '${flags.frame}'`);

  const warnings: string[] = [];
  let unrefined = 0;
  const sigmaOf = (row: Record<string, CsvCell>): number => {
    const v = row.sigma_pm ?? null, w = row.sigma_px ?? null;
    if (typeof v === 'number' && v > 0 && pixel !== null) return v / pixel;
    if (typeof w === 'number' && w > 0) return w;
    unrefined++;
    return fallbackPx ?? NaN;
  };
  const byFrame = new Map<number, { x: number[]; y: number[]; s: number[]; bx: number[]; by: number[]; bs: number[] }>();
  table.rows.forEach((r, i) => {
    if (typeof r.frame !== 'number' || typeof r.x !== 'number' || typeof r.y !== 'number') throw new AtomdynError(file, `row ${i + 2}: frame, x and y must be numbers`);
    if (onlyFrame !== null && r.frame !== onlyFrame) return;
    const f = byFrame.get(r.frame) ?? { x: [], y: [], s: [], bx: [], by: [], bs: [] };
    byFrame.set(r.frame, f);
    const sp = r.species === null || r.species === undefined ? null : String(r.species);
    if (latticeSpecies === null || sp === latticeSpecies) {
      f.x.push(r.x);
      f.y.push(r.y);
      f.s.push(sigmaOf(r));
    } else if (sp === centreSpecies) {
      f.bx.push(r.x);
      f.by.push(r.y);
      f.bs.push(sigmaOf(r));
    }
  });
  if (byFrame.size === 0) throw new AtomdynError(file, onlyFrame === null ? 'no atoms' : `no atoms in frame ${onlyFrame}`);
  // atoms without a refined sigma and no stated noise: the 95th percentile of the refined ones (conservative)
  const known = [...byFrame.values()].flatMap((f) => [...f.s, ...f.bs]).filter((s) => s > 0).sort((p, q) => p - q);
  if (unrefined && fallbackPx === undefined) {
    if (!known.length) throw new AtomdynError(file, 'sigma_pm is empty for every atom: state the position noise with --sigma PM');
    const p95 = known[Math.min(known.length - 1, Math.floor(0.95 * known.length))];
    for (const f of byFrame.values()) for (const arr of [f.s, f.bs]) for (let k = 0; k < arr.length; k++) if (!(arr[k] > 0)) arr[k] = p95;
    warnings.push(`${unrefined} atom(s) without sigma_pm were given the 95th percentile of the others (${(p95 * (pixel ?? 1)).toFixed(2)} ${pixel ? 'pm' : 'px'})`);
  }

  const frames: StrainRun['frames'] = [];
  let alignTo: CellAnalysis['basis'] | undefined;
  const progress = terminalProgress();
  progress.start('strain', byFrame.size);
  for (const frame of [...byFrame.keys()].sort((p, q) => p - q)) {
    const f = byFrame.get(frame)!;
    try {
      const analysis = analyseCells({ x: f.x, y: f.y, sigma: f.s }, centreSpecies ? { x: f.bx, y: f.by, sigma: f.bs } : null, { region, shape, alignTo });
      alignTo ??= analysis.basis;
      frames.push({ frame, analysis });
    } catch (e) {
      progress.stop();
      throw new AtomdynError(file, `frame ${frame}: ${(e as Error).message}`);
    }
    progress.tick(1);
  }
  progress.stop();

  const pm = (v: number) => (pixel === null ? null : v * pixel);
  const cellRows: Array<Record<string, CsvCell>> = [];
  const strainRows: Array<Record<string, CsvCell>> = [];
  const polRows: Array<Record<string, CsvCell>> = [];
  for (const { frame, analysis } of frames) {
    for (const c of analysis.measurements) {
      cellRows.push({
        frame, x: c.x, y: c.y, shape: c.shape, side_a: c.sideA, side_a_err: c.sideAErr, side_b: c.sideB, side_b_err: c.sideBErr,
        angle: c.angle, angle_err: c.angleErr, area: c.area, area_err: c.areaErr,
        side_a_pm: pm(c.sideA), side_a_pm_err: pm(c.sideAErr), side_b_pm: pm(c.sideB), side_b_pm_err: pm(c.sideBErr),
        area_pm2: pixel === null ? null : c.area * pixel * pixel, area_pm2_err: pixel === null ? null : c.areaErr * pixel * pixel,
      });
      strainRows.push({ frame, x: c.x, y: c.y, exx: c.exx, exx_err: c.exxErr, eyy: c.eyy, eyy_err: c.eyyErr, exy: c.exy, exy_err: c.exyErr, rotation: c.rotation, rotation_err: c.rotationErr });
    }
    for (const d of analysis.displacements) {
      polRows.push({
        frame, x: d.x, y: d.y, dx: d.dx, dx_err: d.dxErr, dy: d.dy, dy_err: d.dyErr,
        dx_pm: pm(d.dx), dx_pm_err: pm(d.dxErr), dy_pm: pm(d.dy), dy_pm_err: pm(d.dyErr), magnitude_pm: pm(Math.hypot(d.dx, d.dy)),
      });
    }
  }
  await withRunFolder(flags.out, { inputs: [file, path.join(path.dirname(file), 'run.json')], overwrite: flags.overwrite }, async (folder) => {
    const outDir = folder.dir;
    const cellColumns = ['frame', 'x', 'y', 'shape', 'side_a', 'side_a_err', 'side_b', 'side_b_err', 'angle', 'angle_err', 'area', 'area_err'];
    if (pixel !== null) cellColumns.push('side_a_pm', 'side_a_pm_err', 'side_b_pm', 'side_b_pm_err', 'area_pm2', 'area_pm2_err');
    await writeCsv(path.join(outDir, 'cells.csv'), { columns: cellColumns, rows: cellRows });
    await writeCsv(path.join(outDir, 'strain.csv'), { columns: ['frame', 'x', 'y', 'exx', 'exx_err', 'eyy', 'eyy_err', 'exy', 'exy_err', 'rotation', 'rotation_err'], rows: strainRows });
    const written = ['cells.csv', 'strain.csv'];
    if (centreSpecies) {
      const polColumns = ['frame', 'x', 'y', 'dx', 'dx_err', 'dy', 'dy_err'];
      if (pixel !== null) polColumns.push('dx_pm', 'dx_pm_err', 'dy_pm', 'dy_pm_err', 'magnitude_pm');
      await writeCsv(path.join(outDir, 'polarisation.csv'), { columns: polColumns, rows: polRows });
      written.push('polarisation.csv');
    }
    const summaryDoc = {
      input: file,
      pixel_size_pm: pixel,
      lattice_species: latticeSpecies,
      centre_species: centreSpecies,
      reference_region_px: region,
      units: { side: 'px (and pm)', angle: 'degrees', area: 'px² (and pm²)', strain: 'dimensionless', rotation: 'degrees, counter-clockwise on screen' },
      frames: frames.map(({ frame, analysis }) => ({
        frame,
        cells: analysis.measurements.length,
        basis_px: analysis.basis,
        reference_px: { a: analysis.reference.a, b: analysis.reference.b, covariance: Array.from(analysis.reference.covariance) },
        summary: analysis.summary,
        displacements: analysis.displacements.length,
      })),
      warnings,
    };
    await writeFileAtomic(path.join(outDir, 'cells.json'), JSON.stringify(summaryDoc, null, 1) + '\n');
    const extent = run.frames ? { width: run.frames.width, height: run.frames.height } : null;
    await writeFileAtomic(path.join(outDir, 'strain.html'), strainReportHtml({ input: file, frames, pixelSizePm: pixel, region, extent, latticeSpecies, centreSpecies, warnings }));
    written.push('cells.json', 'strain.html');

    run.inputs = [file];
    run.parameters = { reference: region, species: latticeSpecies, centreSpecies, shape: shape ?? 'auto', sigmaFallbackPx: fallbackPx ?? null, frame: onlyFrame };
    run.outputs = written;
    run.warnings = [...run.warnings, ...warnings];
    await folder.commit(run);
  });
  return { frames, pixelSizePm: pixel, warnings };
}

export function register(program: Command): void {
  program
    .command('strain')
    .description(
      'Unit cells and strain from an atom list: the lattice vectors from the atoms, every complete cell ' +
        '(parallelograms, or triangles for a hexagonal lattice; edge cells are left out) with its side lengths, ' +
        'angle and area, the strain e_xx, e_yy, e_xy and rotation against a reference region (--reference) or ' +
        'the mean lattice, and for two sublattices (species A and B, as `locate --model classical` writes them) ' +
        "the B-site displacement from its A-cell centre (polarisation). Every value has a standard error propagated " +
        "from each atom's sigma_pm (or --sigma). Writes DIR/cells.csv, DIR/strain.csv, DIR/polarisation.csv, " +
        'DIR/cells.json (medians with robust spread), DIR/strain.html (maps, histograms) and DIR/run.json.',
    )
    .argument('<atoms.csv>', "atom table (columns frame, x, y in px; optional species, sigma_pm or sigma_px, x_pm), e.g. the 'locate' step's")
    .requiredOption('--out <dir>', 'output folder (must not be the input folder)')
    .option('--overwrite', 'replace the run already in --out (the whole folder; without it such a folder is refused)')
    .option('--reference <X,Y,W,H>', 'reference region in px (top-left corner, width, height): strain is zero on average there (default: the mean lattice)')
    .option('--species <name>', "atoms that form the cells (default: species 'A' when the table has A and B, else all atoms)")
    .option('--centre-species <name>', "atoms whose displacement from the cell centre is measured (default: 'B' with A)")
    .option('--pixel-size <pm>', 'pixel size in pm (overrides run.json and x_pm)')
    .option('--sigma <pm>', 'position noise per coordinate in pm, for atoms without sigma_pm')
    .option('--sigma-px <px>', 'position noise per coordinate in px, for atoms without sigma_pm (uncalibrated data)')
    .option('--shape <shape>', 'cell shape: auto, parallelogram or triangle', 'auto')
    .option('--frame <n>', 'analyse only this frame (default: every frame separately)')
    .addHelpText('after', '\nUnits: positions and sides in px (and pm when calibrated), angles and rotation in degrees (counter-clockwise on screen),\n' +
      'strain dimensionless; every _err column is one standard error. Method and validation: docs/strain.md.\n' +
      'Example: atomdyn locate ../shared/data/perovskite/Cropped_PTO-SRO_Aligned.hspy --model classical --species A=Pb,B=Ti --out out/pto\n' +
      '         atomdyn strain out/pto/atoms.csv --out out/pto-strain')
    .action(async (input: string, flags: StrainFlags, cmd: Command) => {
      const raw = ((cmd.parent as unknown as { rawArgs?: string[] })?.rawArgs ?? process.argv).slice(2);
      const res = await runStrain(input, flags, raw);
      const u = res.pixelSizePm;
      for (const { frame, analysis } of res.frames) {
        const s = analysis.summary;
        const side = (q: typeof s.sideA) => (u ? `${(q.median * u).toFixed(1)} pm (spread ${(q.spread * u).toFixed(1)} pm)` : `${q.median.toFixed(2)} px (spread ${q.spread.toFixed(2)} px)`);
        process.stdout.write(
          `strain: frame ${frame}: ${analysis.measurements.length} cells, side a ${side(s.sideA)}, side b ${side(s.sideB)}, angle ${s.angle.median.toFixed(2)} deg, ` +
            `e_xx spread ${(100 * s.exx.spread).toFixed(2)} % (typical error ${(100 * s.exx.typicalErr).toFixed(2)} %)` +
            `${analysis.displacements.length ? `, ${analysis.displacements.length} B-site displacements` : ''} -> ${path.join(flags.out, 'strain.html')}\n`,
        );
      }
      for (const w of res.warnings) process.stderr.write(`atomdyn: warning: ${w}\n`);
    });
}
