/**
 * `atomdyn crystallography atoms.csv --out DIR`: local crystallography (Belianinov et al., Nat.
 * Commun. 6, 7801 (2015)): every atom's vectors to its N nearest neighbours, clustered into classes
 * (phases, ferroic variants, defects). Writes DIR/atom_classes.csv, DIR/class_statistics.csv,
 * DIR/report.html and DIR/run.json (docs/schema.md). Thin: the work is analytics/crystallography.ts.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { AtomdynError } from '../../data/errors.ts';
import { readCsv, numericColumn, writeCsv, type Cell } from '../../data/csvTable.ts';
import { protectInput, writeFileAtomic } from '../../data/atomicWrite.ts';
import { newRun, readRunBeside, pickSourced, type Sourced } from '../../data/runMetadata.ts';
import { openFrames } from '../../data/openFrames.ts';
import { integer } from './unmix.ts';
import { withRunFolder } from '../../data/runFolder.ts';

interface Flags {
  out: string;
  overwrite?: boolean;
  neighbours: string;
  order: string;
  classes: string;
  method: string;
  species?: string;
  frames?: string;
  pixelSize?: string;
  seed: string;
}

/** Register `atomdyn crystallography`. */
export function register(program: Command): void {
  program
    .command('crystallography')
    .argument('<atoms.csv>', 'atom positions (x, y in px; frame and species optional), e.g. from atomdyn locate')
    .description(
      'Local crystallography: for every atom the vectors to its N nearest neighbours (in the same sense for every atom: ' +
        'ordered by angle, or by distance with equal distances ordered by angle), clustered by k-means, PCA + k-means or a ' +
        'Gaussian mixture into classes that map phases, ferroic variants and defects. Atoms within one N-th-neighbour ' +
        'distance of the edge of the field, or with their neighbours on one side (holes, outliers), get class -1 (for a honeycomb use --species: one sublattice). Writes atom_classes.csv (one row per atom), class_statistics.csv ' +
        '(neighbour distance and angle per class and slot), report.html and run.json. Each frame is analysed on its own.',
    )
    .requiredOption('--out <dir>', 'output folder')
    .option('--overwrite', 'replace the run already in --out (the whole folder; without it such a folder is refused)')
    .option('--neighbours <N>', 'nearest neighbours per atom', '6')
    .option('--order <o>', 'neighbour order: angle or distance', 'angle')
    .option('--classes <K>', 'number of classes', '2')
    .option('--method <m>', 'kmeans, pca (k-means on 3 principal components) or gmm', 'kmeans')
    .option('--species <name>', 'use only atoms of this species (one sublattice)')
    .option('--frames <movie>', "image the atoms came from, for the map (default: run.json's source)")
    .option('--pixel-size <pm>', 'pixel size in pm (default: run.json beside the atoms)')
    .option('--seed <n>', 'seed of every random step', '0')
    .action(async (atomsFile: string, flags: Flags) => {
      const input = path.resolve(atomsFile);
      protectInput(input);
      if (!['angle', 'distance'].includes(flags.order)) throw new AtomdynError('--order', `expected angle or distance, got '${flags.order}'`);
      if (!['kmeans', 'pca', 'gmm'].includes(flags.method)) throw new AtomdynError('--method', `expected kmeans, pca or gmm, got '${flags.method}'`);
      const N = integer('--neighbours', flags.neighbours, 1);
      const K = integer('--classes', flags.classes, 1);
      const seed = integer('--seed', flags.seed, 0);
      const table = readCsv(input, ['x', 'y']);
      const xsAll = numericColumn(table, 'x', input);
      const ysAll = numericColumn(table, 'y', input);
      const frameCol = table.columns.includes('frame') ? numericColumn(table, 'frame', input) : new Float64Array(table.rows.length);
      const speciesCol = table.columns.includes('species') ? table.rows.map((r) => String(r.species ?? '')) : null;
      if (flags.species && !speciesCol) throw new AtomdynError('--species', `${input} has no species column`);
      const use = table.rows.map((_, i) => !flags.species || speciesCol![i] === flags.species);
      if (!use.some(Boolean)) throw new AtomdynError('--species', `no atom of species '${flags.species}' in ${input}`);
      const previous = readRunBeside(input);
      let pixel: Sourced<number> = pickSourced(previous?.pixelSizePm ? { ...previous.pixelSizePm, origin: 'run.json' } : null);
      if (flags.pixelSize !== undefined) {
        const v = Number(flags.pixelSize);
        if (!(v > 0)) throw new AtomdynError('--pixel-size', `expected a positive number of pm, got '${flags.pixelSize}'`);
        pixel = { value: v, origin: 'command-line' };
      }
      const px = pixel.value ?? null;
      const { localCrystallography } = await import('../../analytics/crystallography.ts');
      const { crystallographyPage } = await import('../../report/crystallographyPage.ts');
      const frames = [...new Set(Array.from(frameCol))].sort((a, b) => a - b);
      const outRows: Array<Record<string, Cell>> = [];
      const statRows: Array<Record<string, Cell>> = [];
      let first: { frame: number; xs: number[]; ys: number[]; result: ReturnType<typeof localCrystallography> } | null = null;
      for (const frame of frames) {
        const idx = table.rows.map((_, i) => i).filter((i) => frameCol[i] === frame && use[i]);
        const xs = idx.map((i) => xsAll[i]);
        const ys = idx.map((i) => ysAll[i]);
        let result;
        try {
          result = localCrystallography(xs, ys, { neighbours: N, classes: K, order: flags.order as 'angle' | 'distance', method: flags.method as 'kmeans' | 'pca' | 'gmm', seed });
        } catch (e) {
          if (e instanceof RangeError) throw new AtomdynError(input, `frame ${frame}: ${e.message}`);
          throw e;
        }
        if (!first) first = { frame, xs, ys, result };
        idx.forEach((i, k) => {
          const a = result.atoms[k];
          outRows.push({
            frame,
            x: xsAll[i],
            y: ysAll[i],
            species: speciesCol ? speciesCol[i] : null,
            class: a.label,
            neighbour_distance: a.meanNeighbourDistance,
            neighbour_distance_pm: px ? a.meanNeighbourDistance * px : null,
          });
        });
        result.classes.forEach((c, k) =>
          c.slots.forEach((s, slot) =>
            statRows.push({
              frame, class: k, count: c.count, slot,
              distance: s.meanDistance, distance_sd: s.sdDistance,
              distance_pm: px ? s.meanDistance * px : null, distance_sd_pm: px ? s.sdDistance * px : null,
              angle_deg: s.meanAngleDeg, angle_sd_deg: s.sdAngleDeg,
            }),
          ),
        );
      }
      await withRunFolder(flags.out, { inputs: [input, path.join(path.dirname(input), 'run.json'), ...(flags.frames ? [path.resolve(flags.frames)] : [])], overwrite: flags.overwrite }, async (folder) => {
        const out = folder.dir;
        await writeCsv(path.join(out, 'atom_classes.csv'), { columns: ['frame', 'x', 'y', 'species', 'class', 'neighbour_distance', 'neighbour_distance_pm'], rows: outRows });
        await writeCsv(path.join(out, 'class_statistics.csv'), { columns: ['frame', 'class', 'count', 'slot', 'distance', 'distance_sd', 'distance_pm', 'distance_sd_pm', 'angle_deg', 'angle_sd_deg'], rows: statRows });
        // the background image: --frames, else the source in run.json when it still exists
        const movieFile = flags.frames ? path.resolve(flags.frames) : previous?.source && existsSync(previous.source) ? previous.source : null;
        let image: { data: Float32Array; width: number; height: number } | null = null;
        if (movieFile) {
          const movie = await openFrames(movieFile);
          try {
            if (first!.frame < movie.count) image = { data: await movie.readFrame(first!.frame), width: movie.width, height: movie.height };
          } finally {
            await movie.close();
          }
        }
        const command = process.argv.slice(2);
        await writeFileAtomic(path.join(out, 'report.html'), await crystallographyPage(input, { ...first!, image }, px, command, frames.length));
        const run = newRun('crystallography', command, previous);
        run.inputs = [input, ...(movieFile ? [movieFile] : [])];
        run.pixelSizePm = pixel;
        run.seed = seed;
        run.parameters = { neighbours: N, order: flags.order, classes: K, method: flags.method, species: flags.species ?? null, frames: frames.length };
        run.outputs = ['atom_classes.csv', 'class_statistics.csv', 'report.html'];
        await folder.commit(run);
        process.stdout.write(`${outRows.length} atoms in ${frames.length} frame(s), ${K} classes; wrote ${folder.target}/{atom_classes.csv,class_statistics.csv,report.html,run.json}\n`);
      });
    });
}
