/**
 * Open any supported microscope file as a {@link FrameStack}: the format is decided by the file's
 * magic bytes, with the extension as a cross-check (a mismatch is reported as a warning; a known
 * extension whose magic bytes do not match is a corrupt file). Every file opened is marked as an
 * input (data/atomicWrite.ts protectInput), so no output can overwrite it.
 *
 * | format | extensions | magic |
 * | --- | --- | --- |
 * | TIFF / ImageJ / BigTIFF | .tif .tiff | `II*\0`, `MM\0*`, `II+\0`, `MM\0+` |
 * | NumPy | .npy | `\x93NUMPY` |
 * | HDF5 (plain, Velox EMD, HyperSpy, NSID) | .h5 .hdf5 .he5 .emd .hspy .nxs | `\x89HDF\r\n\x1a\n` at 0 or 512·2^k |
 * | DigitalMicrograph | .dm3 .dm4 | int32 BE 3 or 4, then a 0/1 byte-order word |
 * | PNG / JPEG | .png / .jpg .jpeg | `\x89PNG` / `FF D8 FF` |
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AtomdynError } from './errors.ts';
import { protectInput } from './atomicWrite.ts';
import { assertRegularFile } from './regularFile.ts';
import type { FrameStack } from './frameStack.ts';
import { RandomAccessFile } from './readers/randomAccessFile.ts';
import { hasHdf5Signature } from './readers/h5wasmNode.ts';
import { isNpyMagic } from './readers/npyHeader.ts';

/** The reader families. */
export type FileKind = 'tiff' | 'npy' | 'hdf5' | 'dm' | 'png' | 'jpeg';

/** Options of {@link openFrames}. */
export interface OpenOptions {
  /**
   * Which image inside a container: an HDF5 dataset path (`Data/Image/<id>/Data`, `Experiments/HAADF`),
   * a DigitalMicrograph image (`ImageList/1`), or an ImageJ channel (`channel=1`).
   */
  dataset?: string;
}

const EXTENSIONS: Record<string, FileKind> = {
  '.tif': 'tiff',
  '.tiff': 'tiff',
  '.npy': 'npy',
  '.h5': 'hdf5',
  '.hdf5': 'hdf5',
  '.he5': 'hdf5',
  '.hdf': 'hdf5',
  '.emd': 'hdf5',
  '.hspy': 'hdf5',
  '.nxs': 'hdf5',
  '.dm3': 'dm',
  '.dm4': 'dm',
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
};

/** The supported extensions, for messages. */
export const SUPPORTED_EXTENSIONS = '.tif/.tiff, .npy, .h5/.hdf5/.emd/.hspy, .dm3/.dm4, .png, .jpg/.jpeg';

/** Reader family from the first bytes of a file, or null. */
export function kindFromMagic(head: Uint8Array, file?: string): FileKind | null {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.length >= 4) {
    const s = b.toString('latin1', 0, 4);
    if (s === 'II*\0' || s === 'MM\0*' || s === 'II+\0' || s === 'MM\0+') return 'tiff';
    if (b[0] === 0x89 && s.slice(1) === 'PNG') return 'png';
    if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
    if (b[0] === 0x89 && s.slice(1) === 'HDF') return 'hdf5';
  }
  if (isNpyMagic(b)) return 'npy';
  if (b.length >= 16) {
    const v = b.readInt32BE(0);
    if (v === 3 && [0, 1].includes(b.readInt32BE(8))) return 'dm';
    if (v === 4 && [0, 1].includes(b.readInt32BE(12))) return 'dm';
  }
  if (file && hasHdf5Signature(file)) return 'hdf5';
  return null;
}

/** Split `file.h5:/dataset` (as FrameStack.path writes it) into file and dataset, when `spec` is not a file. */
export function splitContainerPath(spec: string): { file: string; dataset?: string } {
  if (existsSync(spec)) return { file: spec };
  const m = /^(.*\.(?:h5|hdf5|he5|hdf|emd|hspy|nxs|dm3|dm4|tif|tiff)):(.+)$/i.exec(spec);
  if (m && existsSync(m[1])) return { file: m[1], dataset: m[2] };
  return { file: spec };
}

/**
 * Decide the reader family of `file` (magic bytes first, extension second).
 * @returns the family and a warning when the extension disagrees with the content
 * @throws AtomdynError for a missing/empty file, an unknown extension without known magic bytes, or a
 *   known extension whose bytes do not match (corrupt or mislabelled)
 */
export function detectKind(file: string): { kind: FileKind; warning?: string } {
  const ext = path.extname(file).toLowerCase();
  const byExt = EXTENSIONS[ext];
  const f = new RandomAccessFile(file);
  let head: Buffer;
  try {
    if (f.size === 0) throw new AtomdynError(file, 'empty file (0 bytes)');
    head = f.readAtMost(0, 16);
  } finally {
    f.close();
  }
  const byMagic = kindFromMagic(head, file);
  if (byMagic) {
    if (byExt && byExt !== byMagic) {
      return { kind: byMagic, warning: `the file is named ${ext} but its content is ${byMagic.toUpperCase()}; read as ${byMagic.toUpperCase()}` };
    }
    return { kind: byMagic };
  }
  if (byExt) {
    const name = byExt === 'dm' ? 'DigitalMicrograph' : byExt === 'hdf5' ? 'HDF5' : byExt === 'npy' ? 'NumPy .npy' : byExt.toUpperCase();
    throw new AtomdynError(file, `not a valid ${name} file: its first bytes do not match the format (corrupt, truncated or mislabelled)`);
  }
  throw new AtomdynError(file, `unsupported file type '${ext || '(no extension)'}'; atomdyn reads ${SUPPORTED_EXTENSIONS}`);
}

/**
 * Open a microscope file as a lazily read stack of float32 frames `[frames, height, width]`.
 *
 * @param file the path; `file.h5:/dataset` (as FrameStack.path prints it) is accepted too
 * @param opts `dataset`: see {@link OpenOptions}
 * @returns a FrameStack; call `close()` when done
 * @throws AtomdynError (one line, naming the file) for a missing, empty, truncated, corrupt or
 *   unsupported file, a wrong dataset, a zero-sized or 1-D array, or an impossible size claim;
 *   NaN/Inf pixels are reported by `readFrame`
 */
export async function openFrames(file: string, opts: OpenOptions = {}): Promise<FrameStack> {
  const split = splitContainerPath(file);
  const target = split.file;
  const dataset = opts.dataset ?? split.dataset;
  assertRegularFile(target);
  protectInput(target);
  const { kind, warning } = detectKind(target);
  let stack: FrameStack;
  switch (kind) {
    case 'tiff': {
      const { openTiff } = await import('./readers/tiff.ts');
      stack = openTiff(target, { dataset });
      break;
    }
    case 'npy': {
      if (dataset !== undefined) throw new AtomdynError(target, '`dataset` does not apply to a .npy file (it holds one array)');
      const { openNpy } = await import('./readers/npy.ts');
      stack = openNpy(target);
      break;
    }
    case 'hdf5': {
      const { openHdf5 } = await import('./readers/hdf5.ts');
      stack = await openHdf5(target, { dataset });
      break;
    }
    case 'dm': {
      const { openDm } = await import('./readers/dm.ts');
      stack = openDm(target, { dataset });
      break;
    }
    case 'png':
    case 'jpeg': {
      if (dataset !== undefined) throw new AtomdynError(target, `\`dataset\` does not apply to a ${kind.toUpperCase()} file`);
      const { openRaster } = await import('./readers/raster.ts');
      stack = await openRaster(target, kind);
      break;
    }
  }
  if (warning) {
    const w = (stack.metadata as { warnings?: string[] }).warnings;
    if (Array.isArray(w)) w.unshift(warning);
  }
  return stack;
}
