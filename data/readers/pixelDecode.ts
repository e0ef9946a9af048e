/**
 * Raw pixel bytes -> float32: the one conversion every reader uses, for the sample types microscope
 * files hold (8-64 bit signed/unsigned integers, float16/32/64) in either byte order.
 */

/** Sample types atomdyn reads. */
export type PixelType =
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'uint32'
  | 'int32'
  | 'uint64'
  | 'int64'
  | 'float16'
  | 'float32'
  | 'float64';

/** Bytes per sample of each type. */
export const BYTES_PER_SAMPLE: Record<PixelType, number> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  uint64: 8,
  int64: 8,
  float16: 2,
  float32: 4,
  float64: 8,
};

const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/**
 * Decode `count` samples of `type` from `bytes` (starting at byte 0) into `out[outOffset..]` as float32.
 * @param bytes raw bytes, at least `count * BYTES_PER_SAMPLE[type]` long
 * @param littleEndian byte order of the samples in `bytes`
 * @param out destination; allocated (length `count`) when omitted
 * @returns `out`
 */
export function decodePixels(
  bytes: Uint8Array,
  type: PixelType,
  littleEndian: boolean,
  count: number,
  out?: Float32Array,
  outOffset = 0,
): Float32Array {
  const dst = out ?? new Float32Array(count);
  const size = BYTES_PER_SAMPLE[type];
  if (bytes.byteLength < count * size) throw new RangeError(`need ${count * size} bytes, have ${bytes.byteLength}`);
  if (type === 'uint8') {
    for (let i = 0; i < count; i++) dst[outOffset + i] = bytes[i];
    return dst;
  }
  if (type === 'int8') {
    for (let i = 0; i < count; i++) dst[outOffset + i] = (bytes[i] << 24) >> 24;
    return dst;
  }
  const aligned = bytes.byteOffset % size === 0;
  if (littleEndian === hostLittleEndian && aligned && type !== 'float16') {
    const buf = bytes.buffer;
    const off = bytes.byteOffset;
    let view: ArrayLike<number | bigint>;
    switch (type) {
      case 'uint16':
        view = new Uint16Array(buf, off, count);
        break;
      case 'int16':
        view = new Int16Array(buf, off, count);
        break;
      case 'uint32':
        view = new Uint32Array(buf, off, count);
        break;
      case 'int32':
        view = new Int32Array(buf, off, count);
        break;
      case 'float32':
        view = new Float32Array(buf, off, count);
        break;
      case 'float64':
        view = new Float64Array(buf, off, count);
        break;
      case 'uint64':
        view = new BigUint64Array(buf, off, count);
        break;
      default:
        view = new BigInt64Array(buf, off, count);
    }
    if (type === 'uint64' || type === 'int64') {
      for (let i = 0; i < count; i++) dst[outOffset + i] = Number(view[i] as bigint);
    } else if (type === 'float32' && outOffset === 0 && !out) {
      dst.set(view as Float32Array);
    } else {
      for (let i = 0; i < count; i++) dst[outOffset + i] = view[i] as number;
    }
    return dst;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, count * size);
  const le = littleEndian;
  switch (type) {
    case 'uint16':
      for (let i = 0; i < count; i++) dst[outOffset + i] = dv.getUint16(2 * i, le);
      break;
    case 'int16':
      for (let i = 0; i < count; i++) dst[outOffset + i] = dv.getInt16(2 * i, le);
      break;
    case 'float16':
      for (let i = 0; i < count; i++) dst[outOffset + i] = halfToFloat(dv.getUint16(2 * i, le));
      break;
    case 'uint32':
      for (let i = 0; i < count; i++) dst[outOffset + i] = dv.getUint32(4 * i, le);
      break;
    case 'int32':
      for (let i = 0; i < count; i++) dst[outOffset + i] = dv.getInt32(4 * i, le);
      break;
    case 'float32':
      for (let i = 0; i < count; i++) dst[outOffset + i] = dv.getFloat32(4 * i, le);
      break;
    case 'float64':
      for (let i = 0; i < count; i++) dst[outOffset + i] = dv.getFloat64(8 * i, le);
      break;
    case 'uint64':
      for (let i = 0; i < count; i++) dst[outOffset + i] = Number(dv.getBigUint64(8 * i, le));
      break;
    case 'int64':
      for (let i = 0; i < count; i++) dst[outOffset + i] = Number(dv.getBigInt64(8 * i, le));
      break;
  }
  return dst;
}

/**
 * Convert any numeric typed array (as returned by HDF5 libraries) to float32.
 * 64-bit integers go through Number (exact below 2^53).
 */
export function toFloat32(values: ArrayLike<number> | BigInt64Array | BigUint64Array): Float32Array {
  if (values instanceof Float32Array) return values;
  const n = values.length;
  const out = new Float32Array(n);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) out[i] = Number(values[i]);
  } else {
    for (let i = 0; i < n; i++) out[i] = (values as ArrayLike<number>)[i];
  }
  return out;
}

/** Index of the first NaN or ±Inf in `a`, or -1 when all are finite. */
export function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v - v !== 0) return i;
  }
  return -1;
}
