/**
 * NumPy .npy writer (format version 1.0: magic, little-endian header dict padded to a multiple of 64
 * bytes, then the C-order data), for float32 and uint8 arrays of any shape.
 * Reference: numpy/lib/format.py, "A Simple File Format for NumPy Arrays" (NEP 1).
 */
import { writeFileAtomic } from '../atomicWrite.ts';
import { AtomdynError } from '../errors.ts';

/**
 * Encode an array as .npy bytes.
 * @param shape C-order shape; its product must equal the data length
 * @throws AtomdynError when the shape does not match the data
 */
export function encodeNpy(data: Float32Array | Uint8Array, shape: number[]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new AtomdynError('npy', `shape ${JSON.stringify(shape)} holds ${n} values, the data ${data.length}`);
  const descr = data instanceof Float32Array ? '<f4' : '|u1';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const headerBytes = new TextEncoder().encode(header);
  const bytesPer = data instanceof Float32Array ? 4 : 1;
  const out = new Uint8Array(10 + headerBytes.length + data.length * bytesPer);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, headerBytes.length, true);
  out.set(headerBytes, 10);
  if (data instanceof Float32Array) {
    const dv = new DataView(out.buffer, 10 + headerBytes.length);
    for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i], true);
  } else {
    out.set(data, 10 + headerBytes.length);
  }
  return out;
}

/**
 * Write an array as .npy, atomically.
 * @throws AtomdynError when the shape does not match or the file cannot be written
 */
export async function writeNpy(file: string, data: Float32Array | Uint8Array, shape: number[]): Promise<void> {
  await writeFileAtomic(file, encodeNpy(data, shape));
}
