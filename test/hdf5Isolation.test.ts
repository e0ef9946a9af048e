import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { checkHdf5Superblock, lookup3 } from '../data/readers/hdf5Precheck.ts';
import { openHdf5 } from '../data/readers/hdf5.ts';
import { AtomdynError } from '../data/errors.ts';
import { sharedData } from './sharedData.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-h5iso-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hspy = sharedData('perovskite', 'Cropped_PTO-SRO_Aligned.hspy');

/** A copy of `src` with `patch` applied, written to `name` in the test folder. */
function mutated(src: string, name: string, patch: (b: Buffer) => void): string {
  const b = Buffer.from(readFileSync(src));
  patch(b);
  const p = path.join(dir, name);
  writeFileSync(p, b);
  return p;
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AtomdynError);
  const msg = (e as Error).message;
  expect(msg.split('\n')).toHaveLength(1);
  expect(msg).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  return e as Error;
}

describe('lookup3 (HDF5 metadata checksum)', () => {
  it('matches the reference values of lookup3.c (driver5)', () => {
    expect(lookup3(new Uint8Array(0))).toBe(0xdeadbeef);
    const s = Buffer.from('Four score and seven years ago');
    expect(lookup3(s, 0)).toBe(0x17770551);
    expect(lookup3(s, 1)).toBe(0xcd628161);
  });
});

describe('HDF5 superblock check', () => {
  it('accepts every real HDF5 file of the shared data (version 0, 8-byte addresses)', () => {
    for (const f of [hspy, sharedData('WS2_velox_emd', 'WS2.emd'), sharedData('graphene_Si', 'G-Si-2nm.hdf5')]) {
      const sb = checkHdf5Superblock(f);
      expect(sb).toMatchObject({ base: 0, version: 0, offsetSize: 8, lengthSize: 8 });
      expect(sb.endOfFile).toBe(readFileSync(f).length);
    }
  });

  it('accepts a version-3 superblock (checksummed) and refuses it once a byte of it changes', async () => {
    const { h5wasm } = await import('../data/readers/h5wasmNode.ts');
    const h5 = await h5wasm();
    const p = path.join(dir, 'v3.h5');
    const f = new h5.File(p, 'w', { libver: ['v110', 'v110'] } as never);
    f.create_dataset({ name: 'img', data: new Float32Array(12), shape: [3, 4], dtype: '<f' });
    f.close();
    const sb = checkHdf5Superblock(p);
    expect(sb.version).toBeGreaterThanOrEqual(2);
    const bad = mutated(p, 'v3-bad.h5', (b) => {
      b[12 + 2 * 8] ^= 0x01; // a bit of the end-of-file address
    });
    expect(() => checkHdf5Superblock(bad)).toThrow(/v3-bad\.h5: corrupt HDF5 file: superblock checksum does not match/);
  });

  it('refuses unknown versions, impossible address sizes and a stated end beyond the file', () => {
    const v9 = mutated(hspy, 'v9.hspy', (b) => {
      b[8] = 9;
    });
    expect(() => checkHdf5Superblock(v9)).toThrow(/v9\.hspy: corrupt HDF5 file: unknown superblock version 9/);
    const o3 = mutated(hspy, 'o3.hspy', (b) => {
      b[13] = 3;
    });
    expect(() => checkHdf5Superblock(o3)).toThrow(/sizes of offsets 3 and lengths 8 bytes/);
    const cut = path.join(dir, 'cut.hspy');
    writeFileSync(cut, readFileSync(hspy).subarray(0, 5000));
    expect(() => checkHdf5Superblock(cut)).toThrow(/cut\.hspy: HDF5 file is truncated: its superblock states 629762 bytes, the file holds 5000/);
  });
});

describe('declared shapes against the file', () => {
  it('a Velox EMD whose shape claims 4 frames (metadata for 1) is refused, not read as interleaved frames', async () => {
    const emd = sharedData('WS2_velox_emd', 'WS2.emd');
    const dims = Buffer.alloc(24);
    [1024, 1024, 1].forEach((d, i) => dims.writeBigUInt64LE(BigInt(d), 8 * i));
    const four = mutated(emd, 'four.emd', (b) => {
      const at = b.indexOf(dims);
      expect(at).toBeGreaterThan(0);
      b.writeBigUInt64LE(4n, at + 16);
    });
    const e = await errorOf(openHdf5(four));
    expect(e.message).toMatch(/four\.emd:\/Data\/Image\/\w+\/Data: corrupt file: the dataset claims 4 frames but the Velox metadata describes 1$/);
  }, 120_000);
});

describe('HDF5 library isolated in a worker thread', () => {
  it('the command exits once it is done (the idle HDF5 thread does not keep it alive), and prints no worker output', () => {
    const bin = path.resolve(__dirname, '..', 'bin', 'atomdyn.mjs');
    const r = spawnSync(process.execPath, [bin, 'info', sharedData('graphene_Si', 'G-Si-2nm.hdf5')], { encoding: 'utf8', timeout: 150_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/shape: +1 x 256 x 256/);
    expect(r.stderr).toBe('');
  }, 160_000);

  it('a file that makes HDF5 loop forever is stopped after the time limit, in one line naming the file', async () => {
    // zeroing 16 bytes at 2622 damages the root attribute 'file_format'; HDF5 then never returns
    const hang = mutated(hspy, 'hang.hspy', (b) => b.fill(0, 2622, 2638));
    const e = await errorOf(openHdf5(hang, { timeoutS: 4 }));
    expect(e.message).toMatch(/hang\.hspy: the HDF5 library did not finish opening the file within 4 s \(corrupt file\?\); stopped it$/);
  }, 120_000);

  it('the worker reads the real file as before, and each open sees the file as it is now (no stale handle)', async () => {
    const s = await openHdf5(hspy);
    expect([s.format, s.count, s.height, s.width]).toEqual(['hspy', 1, 224, 1312]);
    const frame = await s.readFrame(0);
    await expect(s.readFrame(1)).rejects.toThrow(/frame 1 does not exist/);
    expect((await s.readFrame(0))[1000]).toBe(frame[1000]); // still usable after a frame error
    await s.close();
    await expect(s.readFrame(0)).rejects.toThrow(/already closed/);

    // the same path, rewritten in place with another file, while an earlier stack is still open
    const p = path.join(dir, 'same.h5');
    writeFileSync(p, readFileSync(sharedData('graphene_Si', 'G-Si-2nm.hdf5')));
    const first = await openHdf5(p);
    expect([first.height, first.width]).toEqual([256, 256]);
    writeFileSync(p, readFileSync(sharedData('graphene_Si', 'G-dimSi.hdf5')));
    const second = await openHdf5(p);
    expect([second.height, second.width]).toEqual([512, 512]);
    await first.close();
    await second.close();
  }, 120_000);
});
