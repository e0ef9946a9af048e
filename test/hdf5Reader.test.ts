import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Dataset, File as H5File } from 'h5wasm';
import { openHdf5 } from '../data/readers/hdf5.ts';
import { h5wasm } from '../data/readers/h5wasmNode.ts';
import { AtomdynError } from '../data/errors.ts';
import { sharedData } from './sharedData.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-h5-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function makeFile(name: string, build: (f: H5File) => void, earliest = false): Promise<string> {
  const h5 = await h5wasm();
  const p = path.join(dir, name);
  const f = earliest ? new h5.File(p, 'w', { libver: ['earliest', 'v108'] }) : new h5.File(p, 'w');
  build(f);
  f.close();
  return p;
}

const ramp = (n: number, k = 1): Float32Array => Float32Array.from({ length: n }, (_, i) => ((i * 7 + k * 3) % 23) - 5.5);

describe('HDF5 reader: real files', () => {
  it('Velox EMD: (1024, 1024, 1) uint16 frames-last, 10.62 pm/px from the JSON metadata bytes', async () => {
    const s = await openHdf5(sharedData('WS2_velox_emd', 'WS2.emd'));
    expect([s.format, s.count, s.height, s.width, s.dtype]).toEqual(['velox-emd', 1, 1024, 1024, 'uint16']);
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(10.62231596676199, 9);
    expect(s.calibration.frameTimeS.value).toBeCloseTo(22.58944, 5);
    expect((s.metadata as { summary: Record<string, string> }).summary.detector).toBe('HAADF');
    await s.close();
  });

  it('HyperSpy: Experiments/HAADF/data (224, 1312) float64 at 14.9968 pm/px', async () => {
    const s = await openHdf5(sharedData('perovskite', 'Cropped_PTO-SRO_Aligned.hspy'));
    expect([s.format, s.count, s.height, s.width, s.dtype]).toEqual(['hspy', 1, 224, 1312, 'float64']);
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(14.996802980261981, 9);
    await s.close();
  });

  it('AICrystallographer G-GrainBoundary-4nm: 4 nm / 512 px, confirmed by the embedded tags', async () => {
    const s = await openHdf5(sharedData('graphene_Si', 'G-GrainBoundary-4nm.hdf5'));
    expect([s.count, s.height, s.width, s.dtype]).toEqual([1, 512, 512, 'float32']);
    expect(s.calibration.pixelSizePm).toMatchObject({ value: 7.8125, origin: 'file' });
    expect(s.calibration.pixelSizePm.note).toMatch(/agrees with the embedded DigitalMicrograph tags/);
    expect((s.metadata as { warnings: string[] }).warnings).toEqual([]);
    await s.close();
  });

  it('AICrystallographer G-Si-2nm: 2 nm / 256 px, flagged because the embedded tags are from another acquisition', async () => {
    const s = await openHdf5(sharedData('graphene_Si', 'G-Si-2nm.hdf5'));
    expect([s.count, s.height, s.width, s.dtype]).toEqual([1, 256, 256, 'float64']);
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(7.8125, 10);
    expect(s.calibration.pixelSizePm.note).toMatch(/not confirmed/);
    expect((s.metadata as { warnings: string[] }).warnings.join()).toMatch(/another acquisition .*6 nm/);
    await s.close();
  });

  it("AICrystallographer G-dimSi: 'scan size' NA -> unknown pixel size", async () => {
    const s = await openHdf5(sharedData('graphene_Si', 'G-dimSi.hdf5'));
    expect(s.calibration.pixelSizePm.value).toBeNull();
    expect(s.calibration.pixelSizePm.note).toMatch(/'scan size' is "NA"/);
    await s.close();
  });

  it('LibraryNet nn_input (1, 256, 256, 1): 2000 pm / 256 px, defect complexes listed', async () => {
    const s = await openHdf5(sharedData('graphene_Si', 'LibraryNet_Si1C3_test-1.hdf5'));
    expect([s.count, s.height, s.width]).toEqual([1, 256, 256]);
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(7.8125, 10);
    expect((s.metadata as { summary: Record<string, string> }).summary['defect complexes']).toMatch(/Si1C3.*Si1C3/);
    await s.close();
  });
});

describe('HDF5 reader: synthetic layouts', () => {
  it('Velox EMD with 3 frames last and two detectors: picks HAADF, reads each frame', async () => {
    const h = 4;
    const w = 5;
    const frames = [0, 1, 2].map((k) => Array.from({ length: h * w }, (_, i) => i * 10 + k));
    const stacked = new Uint16Array(h * w * 3);
    for (let k = 0; k < 3; k++) for (let i = 0; i < h * w; i++) stacked[i * 3 + k] = frames[k][i];
    const meta = (det: string): Uint8Array => {
      const json = JSON.stringify({ BinaryResult: { Detector: det, PixelSize: { width: '2.5e-11', height: '2.5e-11' }, PixelUnitX: 'm', PixelUnitY: 'm' }, Scan: { FrameTime: '0.75' } });
      const col = new Uint8Array(300);
      col.set(Buffer.from(json));
      const out = new Uint8Array(300 * 3);
      for (let r = 0; r < 300; r++) for (let k = 0; k < 3; k++) out[r * 3 + k] = col[r];
      return out;
    };
    const file = await makeFile('v.emd', (f) => {
      f.create_group('Data');
      f.create_group('Data/Image');
      for (const [id, det] of [
        ['aaa', 'DF4'],
        ['bbb', 'HAADF'],
      ]) {
        f.create_group(`Data/Image/${id}`);
        f.get(`Data/Image/${id}`)!;
        (f.get(`Data/Image/${id}`) as unknown as H5File).create_dataset({ name: 'Data', data: stacked, shape: [h, w, 3], dtype: '<H' });
        (f.get(`Data/Image/${id}`) as unknown as H5File).create_dataset({ name: 'Metadata', data: meta(det), shape: [300, 3], dtype: '<B' });
      }
    });
    const s = await openHdf5(file);
    expect(s.path).toMatch(/:\/Data\/Image\/bbb\/Data$/);
    expect([s.format, s.count, s.height, s.width, s.dtype]).toEqual(['velox-emd', 3, h, w, 'uint16']);
    for (let k = 0; k < 3; k++) expect(Array.from(await s.readFrame(k))).toEqual(frames[k]);
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(25, 9);
    expect(s.calibration.frameTimeS.value).toBe(0.75);
    await s.close();
    const other = await openHdf5(file, { dataset: 'Data/Image/aaa' });
    expect((other.metadata as { summary: Record<string, string> }).summary.detector).toBe('DF4');
    await other.close();
  });

  it('HyperSpy image stack: navigation axis is the frame axis, with its time scale', async () => {
    const data = ramp(3 * 4 * 5);
    const file = await makeFile('s.hspy', (f) => {
      f.create_attribute('file_format', 'HyperSpy');
      f.create_group('Experiments');
      const g = f.create_group('Experiments/movie');
      g.create_dataset({ name: 'data', data, shape: [3, 4, 5], dtype: '<f' });
      const axes = [
        { name: 'time', size: 3, scale: 0.5, units: 's', navigate: 1 },
        { name: 'y', size: 4, scale: 0.02, units: 'nm', navigate: 0 },
        { name: 'x', size: 5, scale: 0.02, units: 'nm', navigate: 0 },
      ];
      axes.forEach((a, i) => {
        const ag = g.create_group(`axis-${i}`);
        ag.create_attribute('name', a.name);
        ag.create_attribute('size', new Int32Array([a.size]), []);
        ag.create_attribute('scale', new Float64Array([a.scale]), []);
        ag.create_attribute('offset', new Float64Array([0]), []);
        ag.create_attribute('units', a.units);
        ag.create_attribute('navigate', new Uint8Array([a.navigate]), []);
      });
    });
    const s = await openHdf5(file);
    expect([s.format, s.count, s.height, s.width]).toEqual(['hspy', 3, 4, 5]);
    expect(Array.from(await s.readFrame(2))).toEqual(Array.from(data.slice(40, 60)));
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(20, 9);
    expect(s.calibration.frameTimeS.value).toBe(0.5);
    await s.close();
  });

  it('pycroscopy NSID: axes from dimension labels / attached scales with dimension_type', async () => {
    const data = ramp(3 * 4 * 5, 2);
    const file = await makeFile('n.h5', (f) => {
      f.create_group('Measurement_000');
      const g = f.create_group('Measurement_000/Channel_000');
      const ds = g.create_dataset({ name: 'movie', data, shape: [3, 4, 5], dtype: '<f' });
      for (const [k, v] of Object.entries({ quantity: 'intensity', units: 'counts', main_data_name: 'movie', data_type: 'IMAGE_STACK', modality: 'STEM', source: 'test', pyNSID_version: '0.0.7' })) ds.create_attribute(k, v);
      const axes = [
        { name: 'frame', values: [0, 0.1, 0.2], type: 'TEMPORAL', units: 's' },
        { name: 'y', values: [0, 0.4, 0.8, 1.2], type: 'SPATIAL', units: 'Å' },
        { name: 'x', values: [0, 0.4, 0.8, 1.2, 1.6], type: 'SPATIAL', units: 'Å' },
      ];
      axes.forEach((a, i) => {
        const ad = g.create_dataset({ name: a.name, data: Float64Array.from(a.values) });
        ad.create_attribute('name', a.name);
        ad.create_attribute('units', a.units);
        ad.create_attribute('quantity', a.name);
        ad.create_attribute('dimension_type', a.type);
        ad.make_scale(a.name);
        ds.attach_scale(i, `/Measurement_000/Channel_000/${a.name}`);
        ds.set_dimension_label(i, a.name);
      });
    });
    const s = await openHdf5(file);
    expect([s.format, s.count, s.height, s.width]).toEqual(['nsid', 3, 4, 5]);
    expect(Array.from(await s.readFrame(1))).toEqual(Array.from(data.slice(20, 40)));
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(40, 9);
    expect(s.calibration.frameTimeS.value).toBeCloseTo(0.1, 12);
    await s.close();
  });

  it('AICrystallographer layout whose scan size is implausible as nm is not used', async () => {
    const file = await makeFile('aic.h5', (f) => {
      f.create_dataset({ name: 'image_data', data: ramp(64 * 64), shape: [64, 64], dtype: '<f' });
      f.create_dataset({ name: 'metadata', data: JSON.stringify({ 'type of data': 'HAADF', 'scan size': 2000, 'all microscope parameters': 'NA' }) });
    });
    const s = await openHdf5(file);
    expect(s.calibration.pixelSizePm.value).toBeNull();
    expect(s.calibration.pixelSizePm.note).toMatch(/implausible/);
    await s.close();
  });

  it('generic files: the only image dataset is read; several require --dataset; wrong paths list what exists', async () => {
    const one = await makeFile('one.h5', (f) => {
      f.create_dataset({ name: 'labels', data: ['a', 'b'] });
      f.create_group('g');
      (f.get('g') as unknown as H5File).create_dataset({ name: 'img', data: ramp(6 * 7), shape: [6, 7], dtype: '<d' });
    });
    const s = await openHdf5(one);
    expect([s.count, s.height, s.width, s.dtype]).toEqual([1, 6, 7, 'float64']);
    expect(s.calibration.pixelSizePm.value).toBeNull();
    await s.close();

    const two = await makeFile('two.h5', (f) => {
      f.create_dataset({ name: 'a', data: ramp(12), shape: [3, 4], dtype: '<f' });
      f.create_dataset({ name: 'b', data: ramp(24), shape: [2, 3, 4], dtype: '<f' });
      f.create_dataset({ name: 'line', data: ramp(10), shape: [10], dtype: '<f' });
      f.create_dataset({ name: 'names', data: ['x', 'y'] });
    });
    await expect(openHdf5(two)).rejects.toThrow(/several image datasets; choose one with `dataset`: \/a \(3, 4\) float32, \/b \(2, 3, 4\) float32/);
    const b = await openHdf5(two, { dataset: '/b' });
    expect([b.count, b.height, b.width]).toEqual([2, 3, 4]);
    expect(Array.from(await b.readFrame(1))).toEqual(Array.from(ramp(24).slice(12)));
    await b.close();
    await expect(openHdf5(two, { dataset: 'nope/data' })).rejects.toThrow(/no dataset '\/nope\/data' in the file; datasets: \/a \(3, 4\) float32, \/b .*\/line \(10,\) float32/);
    await expect(openHdf5(two, { dataset: 'line' })).rejects.toThrow(/1-D array \(shape \(10,\)\)/);
    await expect(openHdf5(two, { dataset: 'names' })).rejects.toThrow(/holds string values, not numbers/);
  });

  it('zero-sized datasets, NaN pixels and truncated files give one-line errors naming the file', async () => {
    const file = await makeFile('bad.h5', (f) => {
      f.create_dataset({ name: 'empty', data: new Float32Array(0), shape: [0, 4], dtype: '<f' });
      const nan = ramp(2 * 3 * 3);
      nan[9 + 4] = NaN;
      f.create_dataset({ name: 'nan', data: nan, shape: [2, 3, 3], dtype: '<f' });
    });
    await expect(openHdf5(file, { dataset: 'empty' })).rejects.toThrow(/zero-sized array \(shape \(0, 4\)\)/);
    const s = await openHdf5(file, { dataset: 'nan' });
    await s.readFrame(0);
    await expect(s.readFrame(1)).rejects.toThrow(/:\/nan: frame 1 holds NaN or Inf pixels \(first at x=1, y=1\)/);
    await s.close();

    const whole = readFileSync(sharedData('graphene_Si', 'G-Si-2nm.hdf5'));
    const cut = path.join(dir, 'cut.hdf5');
    writeFileSync(cut, whole.subarray(0, 300_000));
    const err = await openHdf5(cut).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtomdynError);
    expect((err as Error).message).toMatch(/cut\.hdf5: HDF5 file is truncated: its superblock states 537672 bytes, the file holds 300000$/);
    expect((err as Error).message.split('\n')).toHaveLength(1);
  });

  it('big-endian datasets are byte-swapped', async () => {
    // h5wasm cannot write big-endian data, so patch the datatype's byte-order bit and the bytes of a
    // contiguous little-endian float32 dataset.
    const values = Float32Array.from([1.5, -2.25, 3.125, 1e3, -7, 0.5]);
    // Oldest file format: object headers without checksums, so the patch is accepted.
    const file = await makeFile(
      'be.h5',
      (f) => {
        f.create_dataset({ name: 'img', data: values, shape: [2, 3], dtype: '<f' });
      },
      true,
    );
    const bytes = readFileSync(file);
    const dataAt = bytes.indexOf(Buffer.from(values.buffer));
    expect(dataAt).toBeGreaterThan(0);
    // IEEE float32 LE datatype message: class/version 0x11, bit field 0x20 0x1f 0x00, size 4.
    const typeAt = bytes.indexOf(Buffer.from([0x11, 0x20, 0x1f, 0x00, 0x04, 0x00, 0x00, 0x00]));
    expect(typeAt).toBeGreaterThan(0);
    bytes[typeAt + 1] |= 0x01;
    for (let i = 0; i < values.length; i++) bytes.subarray(dataAt + 4 * i, dataAt + 4 * i + 4).reverse();
    const patched = path.join(dir, 'be-patched.h5');
    writeFileSync(patched, bytes);
    const s = await openHdf5(patched);
    expect(Array.from(await s.readFrame(0))).toEqual(Array.from(values));
    await s.close();
  });
});

describe('HDF5 reader: reads a frame as a hyperslab', () => {
  it('frame i equals the matching part of the whole dataset', async () => {
    const file = sharedData('WS2_velox_emd', 'WS2.emd');
    const s = await openHdf5(file);
    const frame = await s.readFrame(0);
    const h5 = await h5wasm();
    const f = new h5.File(file, 'r');
    const id = (f.get('Data/Image') as unknown as H5File).keys()[0];
    const whole = (f.get(`Data/Image/${id}/Data`) as Dataset).value as Uint16Array;
    f.close();
    let same = true;
    for (let i = 0; i < whole.length; i += 997) if (frame[i] !== whole[i]) same = false;
    expect(same).toBe(true);
    await s.close();
  });
});
