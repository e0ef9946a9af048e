/**
 * A minimal writer for multi-page float32 TIFF stacks (baseline TIFF 6.0, little-endian,
 * uncompressed, one strip per page, SampleFormat = IEEE float), with an ImageJ description
 * (`images=`, `frames=`, `unit=nm`) and X/YResolution set to pixels per nm so ImageJ/Fiji and
 * tifffile read the pixel size. Written for `atomdyn simulate` while the general TIFF writers are
 * elsewhere; pages are written in order, frame 0 first.
 */
import { writeFileAtomic } from '../atomicWrite.ts';
import { AtomdynError } from '../errors.ts';

/** Options of {@link encodeFloat32Tiff}. */
export interface Float32TiffOptions {
  /** Pixel size, pm (stored as resolution in pixels per nm). */
  pixelSizePm?: number;
  /** Extra `key=value` lines for the ImageJ description. */
  description?: Record<string, string | number>;
}

/**
 * Encode frames (each float32 `[height * width]`, row-major) as a multi-page TIFF.
 * @throws AtomdynError when the frames are empty or of different sizes
 */
export function encodeFloat32Tiff(frames: Float32Array[], width: number, height: number, opts: Float32TiffOptions = {}): Uint8Array {
  if (frames.length === 0) throw new AtomdynError('tiff', 'no frames to write');
  for (const f of frames) if (f.length !== width * height) throw new AtomdynError('tiff', `frame of ${f.length} values does not match ${width}x${height}`);
  const lines = ['ImageJ=1.11a', `images=${frames.length}`];
  if (frames.length > 1) lines.push(`frames=${frames.length}`);
  lines.push('unit=nm', 'loop=false');
  for (const [k, v] of Object.entries(opts.description ?? {})) lines.push(`${k}=${v}`);
  const desc = new TextEncoder().encode(lines.join('\n') + '\n\0');
  const pageBytes = width * height * 4;
  const nTags = 14;
  const ifdBytes = 2 + nTags * 12 + 4;
  // per page: data, IFD, two rationals (16 bytes), word-aligned; the description once after the first IFD
  const bound = 8 + frames.length * (pageBytes + ifdBytes + 16 + 2) + desc.length + 2;
  const buf = new ArrayBuffer(bound);
  const dv = new DataView(buf);
  const u8 = new Uint8Array(buf);
  u8[0] = 0x49;
  u8[1] = 0x49;
  dv.setUint16(2, 42, true);
  let pos = 8;
  let prevNextPtr = 4;
  const resNum = opts.pixelSizePm && opts.pixelSizePm > 0 ? Math.round(1e9 / opts.pixelSizePm) : 1;
  const resDen = opts.pixelSizePm && opts.pixelSizePm > 0 ? 1e6 : 1;
  for (let p = 0; p < frames.length; p++) {
    const first = p === 0;
    const dataOff = pos;
    const f = frames[p];
    for (let k = 0; k < f.length; k++) dv.setFloat32(dataOff + 4 * k, f[k], true);
    pos += pageBytes;
    if (pos % 2) pos++;
    const ifdOff = pos;
    dv.setUint32(prevNextPtr, ifdOff, true);
    const extraOff = ifdOff + ifdBytes;
    const xresOff = extraOff;
    const yresOff = extraOff + 8;
    const descOff = extraOff + 16;
    const tags: Array<[number, number, number, number]> = [
      [256, 4, 1, width],
      [257, 4, 1, height],
      [258, 3, 1, 32],
      [259, 3, 1, 1],
      [262, 3, 1, 1],
      [270, 2, first ? desc.length : 1, first ? descOff : 0],
      [273, 4, 1, dataOff],
      [277, 3, 1, 1],
      [278, 4, 1, height],
      [279, 4, 1, pageBytes],
      [282, 5, 1, xresOff],
      [283, 5, 1, yresOff],
      [296, 3, 1, 1],
      [339, 3, 1, 3],
    ];
    dv.setUint16(ifdOff, tags.length, true);
    tags.forEach(([tag, type, count, value], i) => {
      const e = ifdOff + 2 + 12 * i;
      dv.setUint16(e, tag, true);
      dv.setUint16(e + 2, type, true);
      dv.setUint32(e + 4, count, true);
      if (type === 3 && count === 1) dv.setUint16(e + 8, value, true);
      else dv.setUint32(e + 8, value, true);
    });
    prevNextPtr = ifdOff + 2 + 12 * tags.length;
    dv.setUint32(prevNextPtr, 0, true);
    dv.setUint32(xresOff, resNum, true);
    dv.setUint32(xresOff + 4, resDen, true);
    dv.setUint32(yresOff, resNum, true);
    dv.setUint32(yresOff + 4, resDen, true);
    pos = descOff;
    if (first) {
      u8.set(desc, descOff);
      pos += desc.length;
    }
    if (pos % 2) pos++;
  }
  return u8.subarray(0, pos);
}

/**
 * Write frames as a multi-page float32 TIFF, atomically.
 * @throws AtomdynError when the frames are inconsistent or the file cannot be written
 */
export async function writeFloat32Tiff(file: string, frames: Float32Array[], width: number, height: number, opts: Float32TiffOptions = {}): Promise<void> {
  await writeFileAtomic(file, encodeFloat32Tiff(frames, width, height, opts));
}
