/**
 * `atomdyn unmix IMAGE --method nfindr|nmf|pca|ica --components K --window 64px --step 8px --out DIR`:
 * phase, grain, interface and defect maps from a sliding-window FFT (analytics/slidingFft.ts) unmixed
 * into K components (analytics/unmixing/). Writes DIR/abundances.csv, DIR/components.json,
 * DIR/report.html and DIR/run.json (docs/schema.md). Thin: the work is analytics/imageUnmixing.ts.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { AtomdynError } from '../../data/errors.ts';
import { writeCsv } from '../../data/csvTable.ts';
import { protectInput, writeFileAtomic } from '../../data/atomicWrite.ts';
import { newRun, type Sourced } from '../../data/runMetadata.ts';
import { openFrames } from '../../data/openFrames.ts';
import { writeJson } from '../../data/writers/jsonFile.ts';
import { terminalProgress } from '../progress.ts';
import { parseLength } from './track.ts';
import type { UnmixingMethod } from '../../analytics/unmixing/unmixingModel.ts';
import { withRunFolder } from '../../data/runFolder.ts';

const CLI_METHODS = ['nfindr', 'nmf', 'pca', 'ica', 'kmeans'] as const;

interface Flags {
  out: string;
  overwrite?: boolean;
  method: string;
  components: string;
  window: string;
  step: string;
  frame: string;
  dataset?: string;
  pixelSize?: string;
  maxFeatures: string;
  seed: string;
}

/**
 * An integer flag value.
 * @throws AtomdynError(flag) when `v` is not an integer >= min
 */
export function integer(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new AtomdynError(flag, `expected an integer >= ${min}, got '${v}'`);
  return n;
}

/** Register `atomdyn unmix`. */
export function register(program: Command): void {
  program
    .command('unmix')
    .argument('<image>', 'image or movie (TIFF, NumPy, HDF5/EMD/HSPY, DM3/DM4, PNG); one frame is analysed')
    .description(
      'Maps of phases, grains, interfaces and defects from a sliding-window FFT: every WINDOW x WINDOW patch (each STEP px) ' +
        'is Hann-windowed and Fourier transformed; the log amplitudes at the lattice frequencies (translation-invariant) ' +
        'are unmixed into K components (N-FINDR endmembers with abundances that are non-negative and sum to one, NMF, PCA, ' +
        'FastICA or k-means). Writes abundances.csv (x, y = window centre in input px; c0, c1, ...), components.json ' +
        '(the components on the Fourier plane), report.html and run.json.\n\n' +
        'Window size trade-off: the window must hold several unit cells (at least 4-5 lattice periods) for sharp ' +
        'Fourier peaks, and a larger window resolves lattice differences better; but the maps cannot resolve ' +
        'anything smaller than the window, and interfaces appear as blends about one window wide. The step only ' +
        'sets how densely windows are sampled (cost grows as 1/step²). Lengths are px unless suffixed (2nm, 500pm; ' +
        'these need a pixel size).',
    )
    .requiredOption('--out <dir>', 'output folder')
    .option('--overwrite', 'replace the run already in --out (the whole folder; without it such a folder is refused)')
    .option('--method <name>', `unmixing method: ${CLI_METHODS.join(', ')}`, 'nfindr')
    .option('--components <K>', 'number of components', '3')
    .option('--window <length>', 'window side (px, or pm/nm/A with a pixel size)', '64px')
    .option('--step <length>', 'step between windows', '8px')
    .option('--frame <n>', 'frame of a movie to analyse (0-based)', '0')
    .option('--dataset <path>', 'dataset inside a container file (HDF5 path, ImageList/N, channel=K)')
    .option('--pixel-size <pm>', "pixel size in pm (default: the file's)")
    .option('--max-features <n>', 'most Fourier bins kept per window', '1024')
    .option('--seed <n>', 'seed of every random step', '0')
    .action(async (imageFile: string, flags: Flags) => {
      const input = path.resolve(imageFile);
      protectInput(input);
      if (!(CLI_METHODS as readonly string[]).includes(flags.method)) throw new AtomdynError('--method', `unknown method '${flags.method}' (use ${CLI_METHODS.join(', ')})`);
      const method = flags.method as UnmixingMethod;
      const K = integer('--components', flags.components, method === 'nfindr' ? 2 : 1);
      const frame = integer('--frame', flags.frame, 0);
      const seed = integer('--seed', flags.seed, 0);
      const maxFeatures = integer('--max-features', flags.maxFeatures, 2);
      const stack = await openFrames(input, { dataset: flags.dataset });
      try {
        if (frame >= stack.count) throw new AtomdynError('--frame', `the file holds ${stack.count} frame(s); frame ${frame} does not exist`);
        let pixel: Sourced<number> = stack.calibration.pixelSizePm;
        if (flags.pixelSize !== undefined) {
          const v = Number(flags.pixelSize);
          if (!(v > 0)) throw new AtomdynError('--pixel-size', `expected a positive number of pm, got '${flags.pixelSize}'`);
          pixel = { value: v, origin: 'command-line' };
        }
        const px = pixel.value ?? null;
        const window = Math.round(parseLength(flags.window, px, '--window'));
        const step = Math.max(1, Math.round(parseLength(flags.step, px, '--step')));
        if (window < 8) throw new AtomdynError('--window', `the window must be at least 8 px, got ${window} px`);
        if (window > stack.width || window > stack.height) throw new AtomdynError('--window', `${window} px does not fit the ${stack.width} x ${stack.height} px image`);
        const image = await stack.readFrame(frame);
        const { unmixImage } = await import('../../analytics/imageUnmixing.ts');
        const { unmixingPage } = await import('../../report/unmixingPage.ts');
        const { featurePlane } = await import('../../analytics/slidingFft.ts');
        let result;
        try {
          result = unmixImage(image, stack.width, stack.height, { method, nComponents: K, window, step, maxFeatures, seed, progress: terminalProgress() });
        } catch (e) {
          if (e instanceof RangeError) throw new AtomdynError(input, e.message);
          throw e;
        }
        await withRunFolder(flags.out, { inputs: [input], overwrite: flags.overwrite }, async (folder) => {
          const out = folder.dir;
          const { stack: s, model } = result;
          const columns = ['x', 'y', ...model.components.map((_, k) => `c${k}`)];
          const rows = Array.from({ length: s.n }, (_, i) => {
            const row: Record<string, number> = { x: s.centreX[i], y: s.centreY[i] };
            for (let k = 0; k < K; k++) row[`c${k}`] = model.loadings[i * K + k];
            return row;
          });
          await writeCsv(path.join(out, 'abundances.csv'), { columns, rows });
          await writeJson(path.join(out, 'components.json'), {
            kind: 'atomdyn-unmixing/1',
            method,
            window_px: window,
            step_px: step,
            grid_width: s.gridWidth,
            grid_height: s.gridHeight,
            kx: Array.from(s.kx),
            ky: Array.from(s.ky),
            components: model.components.map((c) => Array.from(c)),
            fourier_planes: model.components.map((c) => Array.from(featurePlane(s, c))),
            explained_variance_ratio: model.explainedVarianceRatio ? Array.from(model.explainedVarianceRatio) : null,
            reconstruction_error: model.reconstructionError,
          });
          const command = process.argv.slice(2);
          await writeFileAtomic(path.join(out, 'report.html'), await unmixingPage(input, image, stack.width, stack.height, result, px, command));
          const run = newRun('unmix', command, null);
          run.source = input;
          run.inputs = [input];
          run.frames = { count: stack.count, height: stack.height, width: stack.width };
          run.pixelSizePm = pixel;
          run.seed = seed;
          run.parameters = { method, components: K, window_px: window, step_px: step, frame, max_features: maxFeatures, windows: s.n, features: s.d };
          run.outputs = ['abundances.csv', 'components.json', 'report.html'];
          await folder.commit(run);
          process.stdout.write(`${s.n} windows x ${s.d} frequencies, ${method} K=${K}; wrote ${folder.target}/{abundances.csv,components.json,report.html,run.json}\n`);
        });
      } finally {
        await stack.close();
      }
    });
}
