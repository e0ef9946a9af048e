import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../data/writers/npy.ts';

describe('.npy writer', () => {
  it('writes a version-1.0 header padded to 64 bytes and C-order data', () => {
    const a = encodeNpy(Float32Array.from([1.5, -2, 3, 4, 5, 6]), [2, 3]);
    expect(Array.from(a.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const hlen = new DataView(a.buffer).getUint16(8, true);
    expect((10 + hlen) % 64).toBe(0);
    const header = Buffer.from(a.subarray(10, 10 + hlen)).toString('latin1');
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    expect(Array.from(new Float32Array(a.buffer.slice(10 + hlen)))).toEqual([1.5, -2, 3, 4, 5, 6]);
    const b = encodeNpy(Uint8Array.from([7, 8, 9]), [3]);
    const hb = new DataView(b.buffer).getUint16(8, true);
    expect(Buffer.from(b.subarray(10, 10 + hb)).toString('latin1')).toMatch(/'descr': '\|u1', 'fortran_order': False, 'shape': \(3,\)/);
    expect(Array.from(b.subarray(10 + hb))).toEqual([7, 8, 9]);
    expect(() => encodeNpy(new Uint8Array(4), [3])).toThrow(/holds 3 values, the data 4/);
  });
});

describe('.npy writer and reader', () => {
  it('round-trip a float32 stack through the npy reader (data/readers/npy.ts)', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { writeNpy } = await import('../data/writers/npy.ts');
    const { openNpy } = await import('../data/readers/npy.ts');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'atomdyn-npy-')), 'a.npy');
    const data = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 0.25 - 2);
    await writeNpy(file, data, [2, 3, 4]);
    const stack = openNpy(file);
    expect([stack.count, stack.height, stack.width, stack.dtype]).toEqual([2, 3, 4, 'float32']);
    expect(Array.from(await stack.readFrame(1))).toEqual(Array.from(data.subarray(12)));
    await stack.close();
  });
});
