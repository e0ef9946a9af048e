/**
 * The text `atomdyn info FILE` prints: format, shape (frames x height x width), dtype, pixel size and
 * frame time with where each came from, the value range of the first frame, a short metadata summary
 * and the reader's warnings.
 */
import type { FrameStack } from './frameStack.ts';
import type { Sourced } from './runMetadata.ts';
import { openFrames, type OpenOptions } from './openFrames.ts';
import { formatNumber } from './units.ts';

/** Human names of FrameStack.format values. */
export const FORMAT_NAMES: Record<string, string> = {
  tiff: 'TIFF',
  'imagej-tiff': 'ImageJ TIFF',
  npy: 'NumPy .npy',
  hdf5: 'HDF5',
  'velox-emd': 'Velox EMD (HDF5)',
  hspy: 'HyperSpy (HDF5)',
  nsid: 'pycroscopy NSID (HDF5)',
  dm3: 'DigitalMicrograph DM3',
  dm4: 'DigitalMicrograph DM4',
  png: 'PNG',
  jpeg: 'JPEG',
};

function sourced(s: Sourced<number>, unit: string, digits: number): string {
  if (s.value === null || s.value === undefined) return `unknown${s.note ? ` (${s.note})` : ''}`;
  return `${formatNumber(s.value, digits)} ${unit} (${s.origin}${s.note ? `: ${s.note}` : ''})`;
}

/**
 * Describe an open stack (reads frame 0 for its value range).
 * @throws AtomdynError when frame 0 cannot be read or holds NaN/Inf
 */
export async function describeStack(stack: FrameStack): Promise<string> {
  const first = await stack.readFrame(0);
  let lo = Infinity;
  let hi = -Infinity;
  let sum = 0;
  for (let i = 0; i < first.length; i++) {
    const v = first[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    sum += v;
  }
  const meta = stack.metadata as { summary?: Record<string, string>; warnings?: string[] };
  const lines = [
    `file:        ${stack.path}`,
    `format:      ${FORMAT_NAMES[stack.format] ?? stack.format} (${stack.format})`,
    `shape:       ${stack.count} x ${stack.height} x ${stack.width} (frames x height x width)`,
    `dtype:       ${stack.dtype} (read as float32)`,
    `pixel size:  ${sourced(stack.calibration.pixelSizePm, 'pm/px', 6)}`,
    `frame time:  ${sourced(stack.calibration.frameTimeS, 's', 6)}`,
    `value range: ${formatNumber(lo, 6)} .. ${formatNumber(hi, 6)}, mean ${formatNumber(sum / first.length, 6)} (frame 0)`,
  ];
  const summary = meta.summary ?? {};
  const keys = Object.keys(summary);
  if (keys.length) {
    lines.push('metadata:');
    for (const k of keys) lines.push(`  ${k}: ${summary[k]}`);
  }
  const warnings = meta.warnings ?? [];
  if (warnings.length) {
    lines.push('warnings:');
    for (const w of warnings) lines.push(`  - ${w}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * What `atomdyn info FILE` prints for a file.
 * @param file any supported file
 * @param opts `dataset` for containers (HDF5 dataset path, DM `ImageList/N`, TIFF `channel=K`)
 * @throws AtomdynError for unreadable files (see openFrames)
 */
export async function describeFile(file: string, opts: OpenOptions = {}): Promise<string> {
  const stack = await openFrames(file, opts);
  try {
    return await describeStack(stack);
  } finally {
    await stack.close();
  }
}
