/**
 * `atomdyn info [file] [--backend]`: what a file holds (shape, dtype, calibration, metadata summary),
 * and which tensor backend this machine uses.
 */
import type { Command } from 'commander';
import { initBackend, type BackendChoice } from '../../models/tensorBackend.ts';

export function register(program: Command): void {
  program
    .command('info')
    .description('print shape, dtype, calibration and metadata of a microscope file, or the tensor backend in use')
    .argument('[file]', 'a supported file (tif, npy, h5/hdf5/emd/hspy, dm3/dm4, png/jpg)')
    .option('--backend [name]', 'print the tensor backend that would be used (auto, tensorflow, onnxruntime, wasm, cpu)')
    .option(
      '--dataset <path>',
      'which image inside a container: an HDF5 dataset or group (e.g. Experiments/HAADF), a DM image (ImageList/1), an ImageJ channel (channel=1)',
    )
    .action(async (file: string | undefined, opts: { backend?: string | boolean; dataset?: string }) => {
      if (opts.backend !== undefined) {
        const choice = (typeof opts.backend === 'string' ? opts.backend : 'auto') as BackendChoice;
        const info = await initBackend(choice);
        process.stdout.write(`backend: ${info.name} (${info.package}), tensors on ${info.tensors}, forward passes on ${info.inference}, threads ${info.threads}\n`);
        for (const r of info.rejected) process.stdout.write(`  not used: ${r}\n`);
      }
      if (file) {
        const { describeFile } = await import('../../data/describe.ts');
        process.stdout.write(await describeFile(file, { dataset: opts.dataset }));
      }
    });
}
