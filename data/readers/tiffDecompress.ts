/**
 * TIFF strip/tile decompression and predictors: LZW (TIFF 6.0 Section 13, MSB-first codes with the
 * "early change" code-width switch), PackBits (Section 9), Deflate (Adobe Technical Note 2002 / zlib)
 * and the horizontal-differencing predictor (Section 14) plus the floating-point predictor
 * (Adobe Photoshop TIFF Technical Note 3, predictor 3).
 *
 * Every decoder writes into a buffer of the size the page header promises and never grows past it,
 * so a corrupt or hostile file cannot make memory grow.
 */
import { inflateSync } from 'node:zlib';

/** Compression codes atomdyn decodes. */
export const SUPPORTED_COMPRESSION: Record<number, string> = {
  1: 'none',
  5: 'LZW',
  8: 'Deflate',
  32946: 'Deflate',
  32773: 'PackBits',
};

/** Names of common compressions atomdyn does not decode (for error messages). */
export const COMPRESSION_NAMES: Record<number, string> = {
  2: 'CCITT RLE',
  3: 'CCITT Group 3',
  4: 'CCITT Group 4',
  6: 'old-style JPEG',
  7: 'JPEG',
  34712: 'JPEG 2000',
  34887: 'LERC',
  34925: 'LZMA',
  50000: 'Zstandard',
  50001: 'WebP',
  50013: 'JPEG XL',
};

/**
 * Decode TIFF LZW data into exactly `expected` bytes (shorter input leaves zeros; longer output is cut).
 * @throws Error on an invalid code (corrupt data)
 */
export function lzwDecode(input: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  // Dictionary as (prefix code, last byte, length) for entries >= 258.
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Int32Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    length[i] = 1;
  }
  let next = 258;
  let width = 9;
  let bitPos = 0;
  const totalBits = input.length * 8;
  let outPos = 0;
  let old = -1;
  const readCode = (): number => {
    if (bitPos + width > totalBits) return 257;
    let code = 0;
    for (let k = 0; k < width; k++) {
      const bit = (input[(bitPos + k) >> 3] >> (7 - ((bitPos + k) & 7))) & 1;
      code = (code << 1) | bit;
    }
    bitPos += width;
    return code;
  };
  const firstByte = (code: number): number => {
    let c = code;
    while (prefix[c] >= 0) c = prefix[c];
    return suffix[c];
  };
  const emit = (code: number): void => {
    const len = length[code];
    let p = outPos + len - 1;
    let c = code;
    while (c >= 0) {
      if (p < expected) out[p] = suffix[c];
      p--;
      c = prefix[c];
    }
    outPos += len;
  };
  while (outPos < expected) {
    const code = readCode();
    if (code === 257) break;
    if (code === 256) {
      next = 258;
      width = 9;
      old = -1;
      continue;
    }
    if (old === -1) {
      if (code > 255) throw new Error('corrupt LZW data (first code after a clear is not a literal)');
      emit(code);
      old = code;
      continue;
    }
    if (code < next) {
      emit(code);
      if (next < 4096) {
        prefix[next] = old;
        suffix[next] = firstByte(code);
        length[next] = length[old] + 1;
        next++;
      }
    } else if (code === next && next < 4096) {
      prefix[next] = old;
      suffix[next] = firstByte(old);
      length[next] = length[old] + 1;
      next++;
      emit(code);
    } else {
      throw new Error(`corrupt LZW data (code ${code} before it was defined)`);
    }
    old = code;
    // Early change: widen one code before the table fills the current width.
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return out;
}

/** Decode PackBits data into exactly `expected` bytes. */
export function packBitsDecode(input: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let i = 0;
  let o = 0;
  while (i < input.length && o < expected) {
    const n = (input[i++] << 24) >> 24;
    if (n >= 0) {
      const cnt = Math.min(n + 1, expected - o, input.length - i);
      out.set(input.subarray(i, i + cnt), o);
      i += n + 1;
      o += cnt;
    } else if (n !== -128) {
      const cnt = Math.min(1 - n, expected - o);
      out.fill(input[i++], o, o + cnt);
      o += cnt;
    }
  }
  return out;
}

/** Inflate zlib/deflate data, producing at most `expected` bytes. */
export function deflateDecode(input: Uint8Array, expected: number): Uint8Array {
  const res = inflateSync(input, { maxOutputLength: Math.max(expected, 1), finishFlush: 2 /* Z_SYNC_FLUSH */ });
  if (res.length === expected) return res;
  const out = new Uint8Array(expected);
  out.set(res.subarray(0, expected));
  return out;
}

/**
 * Undo predictor 2 (horizontal differencing) in place on `rows` rows of `width * spp` samples.
 * @param bytesPerSample 1, 2, 4 or 8 (integer samples in the file's byte order)
 */
export function undoHorizontalPredictor(
  data: Uint8Array,
  rows: number,
  width: number,
  spp: number,
  bytesPerSample: number,
  littleEndian: boolean,
): void {
  const rowSamples = width * spp;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let r = 0; r < rows; r++) {
    const base = r * rowSamples;
    for (let i = spp; i < rowSamples; i++) {
      const a = (base + i) * bytesPerSample;
      const b = (base + i - spp) * bytesPerSample;
      if (a + bytesPerSample > data.byteLength) return;
      switch (bytesPerSample) {
        case 1:
          data[a] = (data[a] + data[b]) & 0xff;
          break;
        case 2:
          dv.setUint16(a, (dv.getUint16(a, littleEndian) + dv.getUint16(b, littleEndian)) & 0xffff, littleEndian);
          break;
        case 4:
          dv.setUint32(a, (dv.getUint32(a, littleEndian) + dv.getUint32(b, littleEndian)) >>> 0, littleEndian);
          break;
        case 8:
          dv.setBigUint64(a, BigInt.asUintN(64, dv.getBigUint64(a, littleEndian) + dv.getBigUint64(b, littleEndian)), littleEndian);
          break;
      }
    }
  }
}

/**
 * Undo predictor 3 (floating-point): per row, byte-wise differencing followed by byte-plane
 * shuffling with the most significant byte first. Returns rows of big-endian samples.
 */
export function undoFloatPredictor(data: Uint8Array, rows: number, width: number, spp: number, bytesPerSample: number): Uint8Array {
  const rowBytes = width * spp * bytesPerSample;
  const n = width * spp;
  const out = new Uint8Array(data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * rowBytes;
    if (base + rowBytes > data.length) break;
    for (let i = 1; i < rowBytes; i++) data[base + i] = (data[base + i] + data[base + i - 1]) & 0xff;
    for (let s = 0; s < n; s++) {
      for (let b = 0; b < bytesPerSample; b++) out[base + s * bytesPerSample + b] = data[base + b * n + s];
    }
  }
  return out;
}
