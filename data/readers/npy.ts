/**
 * NumPy `.npy` reader (format versions 1-3; see npyHeader.ts). 2-D arrays are one frame, 3-D arrays
 * `[frames, height, width]`; size-1 axes are dropped first (arrayShape.ts). Integer and float dtypes of
 * 8-64 bits in either byte order are read; C-order frames are read one at a time at their offset,
 * Fortran-order frames by streaming the file in 8 MiB blocks (memory stays bounded, at the cost of
 * one pass over the file per frame). Calibration comes from a sidecar JSON (sidecarCalibration.ts).
 */
import { AtomdynError } from '../errors.ts';
import type { FrameStack } from '../frameStack.ts';
import { protectInput } from '../atomicWrite.ts';
import { RandomAccessFile } from './randomAccessFile.ts';
import { BYTES_PER_SAMPLE, decodePixels } from './pixelDecode.ts';
import { createFrameStack, type ReaderMetadata } from './stackBase.ts';
import { formatShape, stackShape } from './arrayShape.ts';
import { parseNpyHeader } from './npyHeader.ts';
import { sidecarCalibration } from './sidecarCalibration.ts';

const BLOCK_BYTES = 8 * 1024 * 1024;

/**
 * Open a `.npy` file as a frame stack.
 * @throws AtomdynError for a bad header, unsupported dtype, zero-sized/1-D/>3-D shape, or data shorter
 *   than the header claims (truncated file)
 */
export function openNpy(path: string): FrameStack {
  const file = new RandomAccessFile(path);
  try {
    const h = parseNpyHeader(path, (p, l) => file.read(p, l, '.npy header'), file.size);
    const shape = stackShape(path, h.shape);
    const itemSize = BYTES_PER_SAMPLE[h.pixelType];
    const total = h.shape.reduce((a, b) => a * b, 1);
    const need = h.dataOffset + total * itemSize;
    if (need > file.size) {
      throw new AtomdynError(path, `file is truncated: shape ${formatShape(h.shape)} ${h.descr} needs ${need} bytes but the file has ${file.size}`);
    }
    const { count, height, width } = shape;
    const frameElems = height * width;
    const side = sidecarCalibration(path, width, height);
    if (side.sidecar) protectInput(side.sidecar);

    const decodeC = (i: number): Float32Array => {
      const bytes = file.read(h.dataOffset + i * frameElems * itemSize, frameElems * itemSize, `frame ${i}`);
      return decodePixels(bytes, h.pixelType, h.littleEndian, frameElems);
    };
    // Fortran order over the squeezed axes [F, H, W]: element (f, y, x) at f + F * (y + H * x).
    const decodeF = (i: number): Float32Array => {
      const out = new Float32Array(frameElems);
      const F = count;
      const elemsPerBlock = Math.max(F, Math.floor(BLOCK_BYTES / itemSize / F) * F);
      const tmp = new Float32Array(elemsPerBlock);
      for (let start = 0; start < total; start += elemsPerBlock) {
        const n = Math.min(elemsPerBlock, total - start);
        const bytes = file.read(h.dataOffset + start * itemSize, n * itemSize, `frame ${i}`);
        decodePixels(bytes, h.pixelType, h.littleEndian, n, tmp);
        // start is a multiple of F, so element start + k has frame index k % F.
        for (let k = i; k < n; k += F) {
          const j = (start + k - i) / F; // y + H * x
          const y = j % height;
          const x = (j - y) / height;
          out[y * width + x] = tmp[k];
        }
      }
      return out;
    };

    const warnings = [...side.warnings];
    if (h.descr.endsWith('b1')) warnings.push('boolean array read as 0/1');
    const summary: Record<string, string> = {
      'npy header': `version ${h.version}, dtype '${h.descr}', shape ${formatShape(h.shape)}, ${h.fortranOrder ? 'Fortran' : 'C'} order`,
    };
    if (side.sidecar) summary.sidecar = side.sidecar;
    const c = side.content as Record<string, unknown> | null;
    if (c && typeof c === 'object') {
      for (const k of ['material_type', 'microscopy_type', 'experiment_type']) if (typeof c[k] === 'string') summary[k.replace(/_/g, ' ')] = c[k] as string;
      const ed = c.experimental_details as Record<string, unknown> | undefined;
      if (ed && typeof ed === 'object') {
        for (const k of ['voltage', 'probe_current']) if (typeof ed[k] === 'string' || typeof ed[k] === 'number') summary[k.replace(/_/g, ' ')] = String(ed[k]);
      }
    }
    const metadata: ReaderMetadata = {
      summary,
      warnings,
      original: { npy: { version: h.version, descr: h.descr, fortran_order: h.fortranOrder, shape: h.shape }, sidecar: side.content },
    };
    const dtype = h.descr.endsWith('b1') ? 'bool' : h.pixelType;
    return createFrameStack({
      path,
      format: 'npy',
      count,
      height,
      width,
      dtype,
      calibration: side.calibration,
      metadata,
      decodeFrame: h.fortranOrder && count > 1 ? decodeF : h.fortranOrder ? (i) => decodeFortran2D(i) : decodeC,
      close: () => file.close(),
    });

    function decodeFortran2D(i: number): Float32Array {
      // A single image in Fortran order is its transpose in C order.
      const t = decodeC(i);
      const out = new Float32Array(frameElems);
      for (let x = 0; x < width; x++) for (let y = 0; y < height; y++) out[y * width + x] = t[x * height + y];
      return out;
    }
  } catch (e) {
    file.close();
    throw e;
  }
}
