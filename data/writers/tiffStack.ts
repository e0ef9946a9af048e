/**
 * Multi-page float32 TIFF writer: one uncompressed little-endian page per frame, written frame by
 * frame to a temporary file and renamed (memory does not grow with the number of frames). The first
 * page carries an ImageJ description (`images`, `frames`, `hyperstack`, `unit=nm`, `finterval`) and
 * XResolution/YResolution in pixels per nm, so ImageJ/Fiji, tifffile and atomdyn's own reader recover
 * the pixel size and frame time. Files of 4 GiB or more are written as BigTIFF (or on request).
 */
import { promises as fs } from 'node:fs';
import { AtomdynError } from '../errors.ts';
import { writeViaTempFile } from '../atomicWrite.ts';

/** Options of {@link writeTiffStack}. */
export interface TiffStackOptions {
  /** Pixel size in pm (written as ImageJ unit nm + resolution). */
  pixelSizePm?: number | null;
  /** Frame time in s (ImageJ finterval). */
  frameTimeS?: number | null;
  /** Extra `key=value` lines for the ImageJ description (keys must not contain '=' or newlines). */
  info?: Record<string, string | number>;
  /** Force BigTIFF (8-byte offsets). Default: only when the file would reach 4 GiB. */
  bigTiff?: boolean;
}

/** Shape of the stack to write. */
export interface StackShape3 {
  count: number;
  height: number;
  width: number;
}

/** Rational approximation n/d of a positive number with 32-bit n and d. */
export function toRational(v: number): [number, number] {
  if (!(v > 0) || !Number.isFinite(v)) return [0, 1];
  const d = Math.max(1, Math.min(1_000_000, Math.floor(0xffffffff / Math.max(v, 1))));
  return [Math.min(0xffffffff, Math.round(v * d)), d];
}

interface Entry {
  tag: number;
  type: number; // 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL, 16 LONG8
  values: number[] | Buffer;
}

const TYPE_SIZE: Record<number, number> = { 2: 1, 3: 2, 4: 4, 5: 8, 16: 8 };

/**
 * Write frames as a multi-page float32 TIFF, atomically.
 * @param file output path (refused when it is an input)
 * @param frames the frames in order, each float32 `[height * width]` (an array or any (async) iterable)
 * @param shape frames, height, width
 * @throws AtomdynError for a frame of the wrong size, too few/many frames, or a write failure
 */
export async function writeTiffStack(
  file: string,
  frames: Iterable<Float32Array> | AsyncIterable<Float32Array>,
  shape: StackShape3,
  opts: TiffStackOptions = {},
): Promise<void> {
  const { count, height, width } = shape;
  if (![count, height, width].every((d) => Number.isInteger(d) && d > 0)) throw new AtomdynError(file, `invalid stack shape ${count} x ${height} x ${width}`);
  const frameBytes = height * width * 4;
  const big = opts.bigTiff ?? count * (frameBytes + 400) + 4096 >= 2 ** 32;
  const offSize = big ? 8 : 4;
  const longType = big ? 16 : 4;

  const desc: string[] = ['ImageJ=1.11a', `images=${count}`];
  if (count > 1) desc.push(`frames=${count}`, 'hyperstack=true');
  desc.push('mode=grayscale');
  const px = opts.pixelSizePm;
  if (px !== null && px !== undefined && px > 0) desc.push('unit=nm');
  if (opts.frameTimeS && opts.frameTimeS > 0) desc.push(`finterval=${opts.frameTimeS}`);
  desc.push('loop=false');
  for (const [k, v] of Object.entries(opts.info ?? {})) {
    if (/[=\n\r]/.test(k) || /[\n\r]/.test(String(v))) throw new AtomdynError(file, `invalid TIFF info key '${k}'`);
    desc.push(`${k}=${v}`);
  }
  const description = Buffer.from(desc.join('\n') + '\n\0', 'latin1');
  const resolution = px && px > 0 ? toRational(1000 / px) : null;

  const entriesFor = (page: number, dataOffset: number): Entry[] => {
    const e: Entry[] = [
      { tag: 254, type: 4, values: [0] },
      { tag: 256, type: 4, values: [width] },
      { tag: 257, type: 4, values: [height] },
      { tag: 258, type: 3, values: [32] },
      { tag: 259, type: 3, values: [1] },
      { tag: 262, type: 3, values: [1] },
    ];
    if (page === 0) e.push({ tag: 270, type: 2, values: description });
    e.push(
      { tag: 273, type: longType, values: [dataOffset] },
      { tag: 277, type: 3, values: [1] },
      { tag: 278, type: 4, values: [height] },
      { tag: 279, type: longType, values: [frameBytes] },
    );
    if (page === 0 && resolution) {
      e.push({ tag: 282, type: 5, values: resolution }, { tag: 283, type: 5, values: resolution }, { tag: 296, type: 3, values: [1] });
    }
    if (page === 0) e.push({ tag: 305, type: 2, values: Buffer.from('atomdyn\0', 'latin1') });
    e.push({ tag: 339, type: 3, values: [3] });
    return e;
  };

  /** Serialise one IFD at `at`, with out-of-line values right after it; returns [bytes, nextPointerPos]. */
  const ifdBytes = (entries: Entry[], at: number, next: number): Buffer => {
    const entrySize = big ? 20 : 12;
    const head = big ? 8 : 2;
    const fixed = head + entries.length * entrySize + offSize;
    const extras: Buffer[] = [];
    let extraPos = at + fixed;
    const main = Buffer.alloc(fixed);
    if (big) main.writeBigUInt64LE(BigInt(entries.length), 0);
    else main.writeUInt16LE(entries.length, 0);
    entries.forEach((en, i) => {
      const p = head + i * entrySize;
      main.writeUInt16LE(en.tag, p);
      main.writeUInt16LE(en.type, p + 2);
      const payload = Buffer.isBuffer(en.values) ? en.values : Buffer.alloc((en.type === 5 ? en.values.length / 2 : en.values.length) * TYPE_SIZE[en.type]);
      if (!Buffer.isBuffer(en.values)) {
        const vals = en.values;
        for (let k = 0; k < vals.length; k++) {
          if (en.type === 3) payload.writeUInt16LE(vals[k], 2 * k);
          else if (en.type === 4 || en.type === 5) payload.writeUInt32LE(vals[k], 4 * k);
          else if (en.type === 16) payload.writeBigUInt64LE(BigInt(vals[k]), 8 * k);
        }
      }
      const count = Buffer.isBuffer(en.values) ? en.values.length : en.type === 5 ? en.values.length / 2 : en.values.length;
      if (big) main.writeBigUInt64LE(BigInt(count), p + 4);
      else main.writeUInt32LE(count, p + 4);
      const valuePos = p + (big ? 12 : 8);
      if (payload.length <= offSize) payload.copy(main, valuePos);
      else {
        if (big) main.writeBigUInt64LE(BigInt(extraPos), valuePos);
        else main.writeUInt32LE(extraPos, valuePos);
        const padded = payload.length % 2 ? Buffer.concat([payload, Buffer.alloc(1)]) : payload;
        extras.push(padded);
        extraPos += padded.length;
      }
    });
    if (big) main.writeBigUInt64LE(BigInt(next), fixed - 8);
    else main.writeUInt32LE(next, fixed - 4);
    return Buffer.concat([main, ...extras]);
  };

  // Sizes: IFD of page 0 and of later pages (they do not depend on offsets).
  const sizeOf = (page: number): number => ifdBytes(entriesFor(page, 0), 0, 0).length;
  const ifd0 = sizeOf(0);
  const ifdN = count > 1 ? sizeOf(1) : 0;
  const headerSize = big ? 16 : 8;
  const pageStart = (i: number): number => (i === 0 ? headerSize : headerSize + ifd0 + frameBytes + (i - 1) * (ifdN + frameBytes));
  const ifdSize = (i: number): number => (i === 0 ? ifd0 : ifdN);

  await writeViaTempFile(file, async (tmp) => {
    const fh = await fs.open(tmp, 'w');
    try {
      const header = Buffer.alloc(headerSize);
      header.write('II', 0, 'latin1');
      if (big) {
        header.writeUInt16LE(43, 2);
        header.writeUInt16LE(8, 4);
        header.writeUInt16LE(0, 6);
        header.writeBigUInt64LE(BigInt(headerSize), 8);
      } else {
        header.writeUInt16LE(42, 2);
        header.writeUInt32LE(headerSize, 4);
      }
      await fh.write(header, 0, header.length, 0);
      let i = 0;
      for await (const frame of frames as AsyncIterable<Float32Array>) {
        if (i >= count) throw new AtomdynError(file, `more frames than the ${count} declared`);
        if (!(frame instanceof Float32Array) || frame.length !== height * width) {
          throw new AtomdynError(file, `frame ${i} has ${frame?.length} pixels, expected ${width} x ${height}`);
        }
        const at = pageStart(i);
        const dataAt = at + ifdSize(i);
        const next = i + 1 < count ? pageStart(i + 1) : 0;
        const ifd = ifdBytes(entriesFor(i, dataAt), at, next);
        if (ifd.length !== ifdSize(i)) throw new Error('internal: TIFF directory size changed');
        await fh.write(ifd, 0, ifd.length, at);
        // Float32Array memory is little-endian on every platform Node runs on (x86-64, arm64).
        const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
        await fh.write(bytes, 0, bytes.length, dataAt);
        i++;
      }
      if (i !== count) throw new AtomdynError(file, `got ${i} frames, expected ${count}`);
      if (!big && pageStart(count - 1) + ifdSize(count - 1) + frameBytes >= 2 ** 32) throw new Error('internal: classic TIFF over 4 GiB');
    } finally {
      await fh.close();
    }
  });
}
