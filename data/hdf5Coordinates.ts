/**
 * Reader for atomic coordinates stored in HDF5 by the AICrystallographer "LibraryNet" test files
 * (`../shared/data/graphene_Si/LibraryNet_*.hdf5`, Ziatdinov et al.): one dataset per defect
 * complex, `defect_coord_0`, `defect_coord_1`, ..., each an (N, 3) array of byte strings
 * `x` (column, px), `y` (row, px), species ('C' or 'Si'), with the attribute `defect type` holding
 * the authors' label (e.g. 'Si1C3'); the image the coordinates belong to is `nn_input`
 * (1, H, W, 1) float32 with attributes `scan size` (pm, the field of view) and `metadata` (JSON).
 *
 * Read with h5wasm's Node entry straight from disk (the file is opened read-only and never
 * modified). The general frame readers live in data/readers/; this one only reads coordinates.
 */
import { h5wasm as loadH5wasm } from './readers/h5wasmNode.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AtomdynError } from './errors.ts';
import { protectInput } from './atomicWrite.ts';

/** One labelled complex of a coordinates file. */
export interface StoredComplex {
  /** Dataset name, e.g. 'defect_coord_0'. */
  dataset: string;
  /** The file's label, e.g. 'Si1C3' (attribute `defect type`); null when absent. */
  defectType: string | null;
  /** Its atoms: x (column, px), y (row, px), species. */
  atoms: Array<{ x: number; y: number; species: string }>;
}

/** Everything read from one coordinates file. */
export interface StoredCoordinates {
  file: string;
  complexes: StoredComplex[];
  /** The image (`nn_input`) as float32 [height * width], when present. */
  image: { data: Float32Array; height: number; width: number } | null;
  /** Field of view in pm from the `scan size` attribute, when present. */
  scanSizePm: number | null;
  /** Pixel size = scan size / image width, pm; null when either is missing. */
  pixelSizePm: number | null;
  /** The `metadata` attribute parsed as JSON, when present. */
  metadata: Record<string, unknown> | null;
}

function attrValue(obj: { attrs: Record<string, { value: unknown }> }, name: string): unknown {
  const a = obj.attrs?.[name];
  return a ? a.value : undefined;
}

/**
 * Read every `defect_coord_*` dataset (and the `nn_input` image) of a LibraryNet-style file.
 * @throws AtomdynError naming the file when it is missing, not HDF5, has no `defect_coord_*`
 *   dataset, or a dataset is not (N, 3) with numeric x, y
 */
export async function readHdf5Coordinates(file: string): Promise<StoredCoordinates> {
  if (!existsSync(file)) throw new AtomdynError(file, 'no such file');
  protectInput(file);
  const h5wasm = await loadH5wasm();
  let f: InstanceType<typeof h5wasm.File>;
  try {
    f = new h5wasm.File(path.resolve(file), 'r');
  } catch (e) {
    throw new AtomdynError(file, `cannot open as HDF5: ${(e as Error).message}`, { cause: e });
  }
  try {
    const keys = f.keys();
    const names = keys.filter((k) => /^defect_coord_\d+$/.test(k)).sort((a, b) => Number(a.split('_').pop()) - Number(b.split('_').pop()));
    if (names.length === 0) throw new AtomdynError(file, `no defect_coord_* datasets (has ${keys.join(', ') || 'nothing'})`);
    const complexes: StoredComplex[] = names.map((name) => {
      const ds = f.get(name) as unknown as { shape: number[]; value: unknown; attrs: Record<string, { value: unknown }> };
      if (!ds || !Array.isArray(ds.shape) || ds.shape.length !== 2 || ds.shape[1] !== 3) {
        throw new AtomdynError(`${file}:${name}`, `expected an (N, 3) array, found shape ${JSON.stringify(ds?.shape)}`);
      }
      const v = ds.value as ArrayLike<unknown>;
      const atoms: StoredComplex['atoms'] = [];
      for (let i = 0; i < ds.shape[0]; i++) {
        const x = Number(String(v[3 * i]).trim());
        const y = Number(String(v[3 * i + 1]).trim());
        const species = String(v[3 * i + 2]).trim();
        if (!Number.isFinite(x) || !Number.isFinite(y)) throw new AtomdynError(`${file}:${name}`, `row ${i}: x, y are not numbers (${String(v[3 * i])}, ${String(v[3 * i + 1])})`);
        if (!species) throw new AtomdynError(`${file}:${name}`, `row ${i}: empty species`);
        atoms.push({ x, y, species });
      }
      const label = attrValue(ds, 'defect type');
      return { dataset: name, defectType: label === undefined ? null : String(label), atoms };
    });
    let image: StoredCoordinates['image'] = null;
    let scanSizePm: number | null = null;
    let metadata: Record<string, unknown> | null = null;
    if (keys.includes('nn_input')) {
      const ds = f.get('nn_input') as unknown as { shape: number[]; value: ArrayLike<number>; attrs: Record<string, { value: unknown }> };
      const dims = ds.shape.filter((s) => s !== 1);
      if (dims.length === 2) {
        const [height, width] = dims;
        image = { data: Float32Array.from(ds.value), height, width };
      }
      const ss = Number(attrValue(ds, 'scan size'));
      if (Number.isFinite(ss) && ss > 0) scanSizePm = ss;
      const md = attrValue(ds, 'metadata');
      if (typeof md === 'string') {
        try {
          metadata = JSON.parse(md) as Record<string, unknown>;
        } catch {
          metadata = null;
        }
      }
    }
    const pixelSizePm = scanSizePm !== null && image ? scanSizePm / image.width : null;
    return { file, complexes, image, scanSizePm, pixelSizePm, metadata };
  } finally {
    f.close();
  }
}
