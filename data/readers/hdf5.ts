/**
 * HDF5 reader (`.h5`, `.hdf5`, `.emd`, `.hspy`, `.nxs`) through h5wasm reading from disk: one frame
 * is one hyperslab (`Dataset.slice`), so memory does not grow with the number of frames.
 *
 * Which dataset: `--dataset PATH` (a dataset, or a group holding `data`/`Data`); else the layouts of
 * hdf5Layouts.ts are recognised in this order: Velox EMD (`Data/Image/<id>/Data`; the HAADF image when
 * there are several), HyperSpy (`Experiments/<name>/data`), pycroscopy NSID (main dataset attributes),
 * AICrystallographer `image_data`, LibraryNet `nn_input`; else the only 2-D/3-D numeric dataset.
 * When several candidates remain, or the path is wrong, the error lists the datasets that exist.
 */
import type { Dataset, File as H5File, Group } from 'h5wasm';
import { AtomdynError } from '../errors.ts';
import { protectInput } from '../atomicWrite.ts';
import type { FrameStack } from '../frameStack.ts';
import { createFrameStack, type ReaderMetadata } from './stackBase.ts';
import { formatShape, stackShape } from './arrayShape.ts';
import { toFloat32 } from './pixelDecode.ts';
import { h5wasm, hdf5Message } from './h5wasmNode.ts';
import { checkHdf5Superblock } from './hdf5Precheck.ts';
import {
  aicrystallographerLayout,
  genericLayout,
  hspyLayout,
  isNsidMain,
  libraryNetLayout,
  nsidLayout,
  veloxLayout,
  attr,
  type LayoutInfo,
} from './hdf5Layouts.ts';

/** Options of {@link openHdf5}. */
export interface Hdf5Options {
  /** Path of the dataset (or of a group holding `data`/`Data`) inside the file. */
  dataset?: string;
  /** Seconds the HDF5 library may take for one call (open, one frame) before it is stopped; default 60. */
  timeoutS?: number;
}

/** One dataset found in a file. */
interface DatasetEntry {
  path: string;
  shape: number[];
  dtype: string;
  numeric: boolean;
}

const MAX_ENTRIES = 5000;

/** Largest hyperslab read at once (bytes in the file's dtype). */
const BAND_BYTES = 64 * 2 ** 20;

function dtypeName(ds: Dataset): { dtype: string; numeric: boolean } {
  const m = ds.metadata as { type: number; size: number; signed: boolean };
  if (m.type === 0) return { dtype: `${m.signed ? 'int' : 'uint'}${m.size * 8}`, numeric: true };
  if (m.type === 1) return { dtype: `float${m.size * 8}`, numeric: true };
  const names: Record<number, string> = { 3: 'string', 6: 'compound', 8: 'enum', 9: 'vlen', 10: 'array', 7: 'reference' };
  return { dtype: names[m.type] ?? `type ${m.type}`, numeric: false };
}

function isDataset(e: unknown): e is Dataset {
  return !!e && (e as { type?: string }).type === 'Dataset';
}
function isGroup(e: unknown): e is Group {
  return !!e && (e as { type?: string }).type === 'Group';
}

/** All datasets of the file (depth-first, at most MAX_ENTRIES objects visited). */
function listDatasets(f: H5File): DatasetEntry[] {
  const out: DatasetEntry[] = [];
  let visited = 0;
  const walk = (g: Group, prefix: string, depth: number): void => {
    if (depth > 16) return;
    let keys: string[] = [];
    try {
      keys = g.keys();
    } catch (e) {
      // an unreadable root group is a corrupt file, not an empty one
      if (depth === 0) throw new AtomdynError(f.filename, `corrupt HDF5 file: cannot list its root group (${hdf5Message(e)})`);
      return;
    }
    for (const k of keys) {
      if (++visited > MAX_ENTRIES) return;
      const p = prefix ? `${prefix}/${k}` : k;
      let e: unknown;
      try {
        e = f.get(p);
      } catch {
        continue;
      }
      if (isDataset(e)) {
        const { dtype, numeric } = dtypeName(e);
        out.push({ path: p, shape: e.shape ?? [], dtype, numeric });
      } else if (isGroup(e)) walk(e, p, depth + 1);
    }
  };
  walk(f, '', 0);
  return out;
}

function listText(entries: DatasetEntry[], max = 12): string {
  const shown = entries.slice(0, max).map((e) => `/${e.path} ${formatShape(e.shape)} ${e.dtype}`);
  if (entries.length > max) shown.push(`... ${entries.length - max} more`);
  return shown.length ? shown.join(', ') : '(none)';
}

function isImageLike(e: DatasetEntry): boolean {
  if (!e.numeric) return false;
  const big = e.shape.filter((d) => d > 1);
  return (big.length === 2 || big.length === 3) && !e.shape.includes(0);
}

/** Pick the dataset and its layout. */
function selectDataset(file: string, f: H5File, entries: DatasetEntry[], requested?: string): { entry: DatasetEntry; kind: string } {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  if (requested !== undefined) {
    const p = requested.trim().replace(/^\/+/, '').replace(/\/+$/, '');
    let e = byPath.get(p);
    if (!e) {
      let obj: unknown = null;
      try {
        obj = p ? f.get(p) : null;
      } catch {
        obj = null;
      }
      if (isGroup(obj)) e = byPath.get(`${p}/data`) ?? byPath.get(`${p}/Data`);
      if (!e) {
        const what = isGroup(obj) ? `'/${p}' is a group without a data set 'data'` : `no dataset '/${p}' in the file`;
        throw new AtomdynError(file, `${what}; datasets: ${listText(entries)}`);
      }
    }
    return { entry: e, kind: kindOf(f, e) };
  }
  const velox = entries.filter((e) => /^Data\/Image\/[^/]+\/Data$/.test(e.path));
  if (velox.length) {
    if (velox.length === 1) return { entry: velox[0], kind: 'velox' };
    // Prefer the HAADF detector.
    for (const e of velox) {
      const l = veloxLayout(f, e.path, e.shape);
      if (/HAADF/i.test(l.summary.detector ?? '')) return { entry: e, kind: 'velox' };
    }
    return { entry: velox[0], kind: 'velox' };
  }
  const hspy = entries.filter((e) => /^Experiments\/[^/]+\/data$/.test(e.path) && isImageLike(e));
  if (hspy.length) return { entry: hspy[0], kind: 'hspy' };
  const nsid = entries.filter((e) => isImageLike(e) && isNsidMain(f.get(e.path) as Dataset));
  if (nsid.length) return { entry: nsid[0], kind: 'nsid' };
  const aic = byPath.get('image_data');
  if (aic) return { entry: aic, kind: 'aicrystallographer' };
  const ln = byPath.get('nn_input');
  if (ln) return { entry: ln, kind: 'librarynet' };
  const images = entries.filter(isImageLike);
  if (images.length === 1) return { entry: images[0], kind: 'generic' };
  if (images.length === 0) throw new AtomdynError(file, `no image dataset (2-D or 3-D numeric array) in the file; datasets: ${listText(entries)}`);
  throw new AtomdynError(file, `several image datasets; choose one with \`dataset\`: ${listText(images)}`);
}

function kindOf(f: H5File, e: DatasetEntry): string {
  if (/^Data\/Image\/[^/]+\/Data$/.test(e.path)) return 'velox';
  if (/^Experiments\/[^/]+\/data$/.test(e.path)) return 'hspy';
  if (e.path === 'image_data') return 'aicrystallographer';
  if (e.path === 'nn_input') return 'librarynet';
  if (isNsidMain(f.get(e.path) as Dataset)) return 'nsid';
  return 'generic';
}

/**
 * Open an HDF5 file in this thread with h5wasm. Used inside the HDF5 worker (data/readers/hdf5Worker.ts);
 * everything else calls {@link openHdf5}, which runs this where a crash or a hang of the HDF5 library
 * cannot take the process down.
 * @param path the file
 * @param opts `dataset`: the dataset (or group) to read
 * @throws AtomdynError for a non-HDF5, truncated or corrupt file, a wrong dataset path (listing the
 *   datasets), a non-numeric, zero-sized, 1-D or >3-D dataset; the file is closed on every error path
 */
export async function openHdf5InThisThread(path: string, opts: Hdf5Options = {}): Promise<FrameStack> {
  protectInput(path);
  checkHdf5Superblock(path);
  const h5 = await h5wasm();
  let f: H5File;
  try {
    f = new h5.File(path, 'r');
  } catch (e) {
    throw new AtomdynError(path, `cannot open HDF5 file: ${hdf5Message(e)}`, { cause: e });
  }
  try {
    return buildStack(path, f, opts);
  } catch (e) {
    try {
      f.close();
    } catch {
      /* already failing */
    }
    if (e instanceof AtomdynError) throw e;
    throw new AtomdynError(path, `cannot read HDF5 file: ${hdf5Message(e)}`, { cause: e });
  }
}

/**
 * Open an HDF5 file as a frame stack. The superblock is checked first (data/readers/hdf5Precheck.ts);
 * the HDF5 library then runs in its own worker thread (one per open file, data/readers/hdf5Isolation.ts)
 * with a time limit per call, so a corrupt file that makes it abort, run out of its 2 GB heap or loop
 * forever ends in one line naming the file, and closing the stack (or any error) frees every handle.
 * @param path the file
 * @param opts `dataset`: the dataset (or group) to read; `timeoutS`: seconds allowed per call
 * @throws AtomdynError for a non-HDF5, truncated or corrupt file, a wrong dataset path (listing the
 *   datasets), a non-numeric, zero-sized, 1-D or >3-D dataset, an HDF5 library that crashed or did not
 *   answer within the time limit
 */
export async function openHdf5(path: string, opts: Hdf5Options = {}): Promise<FrameStack> {
  protectInput(path);
  checkHdf5Superblock(path);
  const { openHdf5Isolated } = await import('./hdf5Isolation.ts');
  return openHdf5Isolated(path, opts);
}

function buildStack(path: string, f: H5File, opts: Hdf5Options): FrameStack {
  const entries = listDatasets(f);
  const { entry, kind } = selectDataset(path, f, entries, opts.dataset);
  const source = `${path}:/${entry.path}`;
  if (!entry.numeric) throw new AtomdynError(source, `dataset holds ${entry.dtype} values, not numbers; datasets: ${listText(entries.filter(isImageLike))}`);
  const shape = entry.shape;
  const st = stackShape(source, shape);
  let layout: LayoutInfo | null = null;
  if (kind === 'velox') layout = veloxLayout(f, entry.path, shape);
  else if (kind === 'hspy') layout = hspyLayout(f, entry.path, shape);
  else if (kind === 'nsid') layout = nsidLayout(f, entry.path, shape);
  else if (kind === 'aicrystallographer') layout = aicrystallographerLayout(f, entry.path, shape, st.height, st.width);
  else if (kind === 'librarynet') layout = libraryNetLayout(f, entry.path, shape, st.height, st.width);
  layout ??= genericLayout(f, entry.path, shape);
  if (layout.shapeProblem) throw new AtomdynError(source, `corrupt file: ${layout.shapeProblem}`);
  const { frameAxis, rowAxis, colAxis } = layout;
  const count = frameAxis >= 0 ? shape[frameAxis] : 1;
  const height = shape[rowAxis];
  const width = shape[colAxis];
  for (let i = 0; i < shape.length; i++) {
    if (i !== frameAxis && i !== rowAxis && i !== colAxis && shape[i] !== 1) {
      throw new AtomdynError(source, `${shape.length}-D dataset ${formatShape(shape)}: cannot tell which axes are frames, rows and columns`);
    }
  }
  const ds = f.get(entry.path) as Dataset;
  const transpose = rowAxis > colAxis;

  // A frame is read in bands of rows of at most BAND_BYTES, so the HDF5 library's 2 GB heap never
  // holds more than one band (a 16384 x 16384 float64 frame is 2 GiB).
  const elementBytes = Math.max(1, (ds.metadata as { size?: number }).size ?? 8);
  const bandRows = Math.max(1, Math.min(height, Math.floor(BAND_BYTES / (elementBytes * width))));
  const decodeFrame = (i: number): Float32Array => {
    const out = new Float32Array(height * width);
    for (let r0 = 0; r0 < height; r0 += bandRows) {
      const r1 = Math.min(height, r0 + bandRows);
      const ranges = shape.map((d, ax): [number, number] =>
        ax === frameAxis ? [i, i + 1] : ax === rowAxis ? [r0, r1] : ax === colAxis ? [0, d] : [0, 1],
      );
      let raw: unknown;
      try {
        raw = ds.slice(ranges);
      } catch (e) {
        throw new AtomdynError(source, `cannot read frame ${i}: ${hdf5Message(e)}`, { cause: e });
      }
      if (!raw || !ArrayBuffer.isView(raw)) throw new AtomdynError(source, `cannot read frame ${i}: unexpected data type`);
      // Big-endian datasets arrive in native order: HDF5 converts to the memory type h5wasm asks for.
      const vals = toFloat32(raw as unknown as ArrayLike<number>);
      const rows = r1 - r0;
      if (vals.length !== rows * width) throw new AtomdynError(source, `corrupt file: frame ${i} rows ${r0}..${r1} decoded to ${vals.length} values, expected ${rows * width}`);
      if (!transpose) out.set(vals, r0 * width);
      else for (let c = 0; c < width; c++) for (let r = 0; r < rows; r++) out[(r0 + r) * width + c] = vals[c * rows + r];
    }
    return out;
  };

  const summary: Record<string, string> = { dataset: `/${entry.path} ${formatShape(shape)} ${entry.dtype}`, layout: layout.layout, ...layout.summary };
  const others = entries.filter((e) => e.path !== entry.path && isImageLike(e));
  if (others.length) summary['other image datasets'] = listText(others, 6);
  const metadata: ReaderMetadata = {
    summary,
    warnings: layout.warnings,
    original: layout.original,
    dataset: `/${entry.path}`,
    rootAttributes: (() => {
      const r: Record<string, unknown> = {};
      for (const k of ['file_format', 'file_format_version']) {
        const v = attr(f, k);
        if (v !== undefined) r[k] = v;
      }
      return r;
    })(),
  };
  return createFrameStack({
    path: source,
    format: layout.format,
    count,
    height,
    width,
    dtype: entry.dtype,
    calibration: layout.calibration,
    metadata,
    decodeFrame,
    close: () => {
      f.close();
    },
  });
}
