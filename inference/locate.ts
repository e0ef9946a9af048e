/**
 * `locate`: frames -> atoms with species. A streaming core ({@link locateIter}, one frame in memory
 * per worker, frames in parallel across worker threads, each with its own backend and model) under a
 * table wrapper ({@link locate}). The pixel size is decided once from the first frame
 * (inference/calibrationCheck.ts).
 */
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FrameStack } from '../data/frameStack.ts';
import type { Sourced } from '../data/runMetadata.ts';
import type { Cell, Table } from '../data/csvTable.ts';
import { AtomdynError } from '../data/errors.ts';
import { WorkerPool } from '../data/workerPool.ts';
import { silentProgress, type ProgressSink } from '../data/progress.ts';
import { validateModelCard, type ModelCard } from '../models/modelCard.ts';
import { resolveModelPath } from '../models/registry.ts';
import { effectiveBackendChoice, onnxRuntimeWithoutTfjs, type BackendChoice } from '../models/inferenceBackend.ts';
import { readModelOnnx } from '../models/onnxFile.ts';
import { LATTICE_CONSTANT_PM, materialFromElements } from '../models/materials.ts';
import { choosePixelSize, type PixelSizeDecision } from './calibrationCheck.ts';
import { locateFrame, type LocatedAtom, type LocateFrameOptions } from './locateFrame.ts';
import type { Segmenter } from './segmenter.ts';
import { onnxSegmenterFromBytes } from './onnxSession.ts';
import { scaleFromAtoms } from './scaleFromAtoms.ts';
import type { LocateReply, LocateRequest } from './locateWorker.ts';
import { siblingModule } from '../data/packagePaths.ts';
import { bondVerdict, checkFrameLattice, runVerdict, type LatticeVerdict, type RunVerdict } from './applicability.ts';
import { latticeAreaMask, uncoveredLattice, MISSED_LATTICE_MAX } from './latticeMask.ts';
import { bondLengthPm, columnDensityPerPm2 } from './latticeScale.ts';

/**
 * TensorFlow.js, the tfjs model loader and the tfjs segmenters, imported on first use: inference on
 * onnxruntime-node from the model folder's ONNX export (models/onnxFile.ts) needs none of them, and
 * importing tfjs costs about 0.4 s and 50 MB (models/inferenceBackend.ts).
 */
async function tfjsSide() {
  const [backend, io, graph, segmenter] = await Promise.all([import('../models/tensorBackend.ts'), import('../models/modelIO.ts'), import('../models/inferenceGraph.ts'), import('./segmenter.ts')]);
  return { initBackend: backend.initBackend, loadModel: io.loadModel, createSegmenter: segmenter.createSegmenter, onnxBytes: graph.onnxBytes };
}

/** Settings of a locate run. */
export interface LocateOptions {
  /** Model name (`graphene-si`, `mx2`) or folder. */
  model: string;
  /** Tensor backend (default auto: the environment's ATOMDYN_BACKEND where set, else the first that works; models/tensorBackend.ts). */
  backend?: BackendChoice;
  /** `--pixel-size`, pm/px: overrides everything. */
  pixelSizePm?: number | null;
  /** Pixel size from a previous run.json. */
  runJsonPixelSize?: Sourced<number> | null;
  /** Keep the file's pixel size even when the lattice disagrees. */
  trustMetadata?: boolean;
  /** Species -> element overrides (`--species metal=W,chalcogen=Se2`). */
  speciesElements?: Record<string, string>;
  /** Material name for the lattice constant (e.g. 'WSe2'); derived from the elements when absent. */
  material?: string | null;
  /** Worker threads; 0 runs in the calling thread. Default: {@link defaultLocateWorkers} within {@link workerMemoryBudgetMb}. */
  workers?: number;
  /** Per-frame settings (the column fit for graphene models, `fit: true | 'auto'`, library default off; refinement, hot pixels, tiling). */
  frame?: Omit<LocateFrameOptions, 'inputPixelSizePm'>;
  progress?: ProgressSink;
  /**
   * Called with every raw frame as it is read, in frame order (0, 1, ...), before the network sees it:
   * lets another stage use the same pass over the movie (analyze registers the drift here, while the
   * worker threads run the network). The array must not be modified.
   */
  onFrame?: (index: number, data: Float32Array) => void;
}

/** What a locate run decided before processing frames. */
export interface LocatePlan {
  card: ModelCard;
  modelDir: string;
  /** Species -> element used in the output. */
  elements: Record<string, string>;
  /** Material the lattice constant came from. */
  material: string;
  latticeConstantPm: number;
  pixel: PixelSizeDecision;
}

/** One located frame. */
export interface LocatedFrame {
  frame: number;
  atoms: LocatedAtom[];
  /** The probe width (Gaussian standard deviation) the column fit measured in this frame, input pixels; NaN without the fit. */
  probeSigmaPx: number;
  /** The column fit's median light-column Wald LLR in this frame (inference/columnFit.ts); NaN where the fit did not run. */
  fitLightLlr?: number;
}

/**
 * Read the model card, decide elements, material, whether the model applies to the first frame and the
 * pixel size (inference/calibrationCheck.ts, inference/applicability.ts). The pixel size stays unknown
 * (value null) when the file has none and the frame is not the model's lattice; {@link locateIter}
 * then refuses to run.
 * @throws AtomdynError for an unknown model or bad species names
 */
export async function planLocate(stack: FrameStack, opts: LocateOptions): Promise<LocatePlan> {
  const modelDir = resolveModelPath(opts.model);
  const cardFile = path.join(modelDir, 'card.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(cardFile, 'utf8'));
  } catch (e) {
    throw new AtomdynError(cardFile, `cannot read the model card: ${(e as Error).message}`);
  }
  const card = validateModelCard(raw, cardFile);
  const elements: Record<string, string> = Object.fromEntries(card.species.map((s) => [s.name, s.element]));
  for (const [name, el] of Object.entries(opts.speciesElements ?? {})) {
    if (!(name in elements)) throw AtomdynError.forOption('speciesElements', `the model has no species '${name}' (it has ${Object.keys(elements).join(', ')})`);
    elements[name] = el;
  }
  const material = opts.material ?? (opts.speciesElements ? materialFromElements(elements) : null) ?? card.lattice.name;
  const latticeConstantPm = LATTICE_CONSTANT_PM[material] ?? card.lattice.latticeConstantPm;
  const first = await stack.readFrame(0);
  const pixel = choosePixelSize({
    latticeName: material,
    frame: first,
    height: stack.height,
    width: stack.width,
    commandLinePm: opts.pixelSizePm ?? null,
    runJson: opts.runJsonPixelSize ?? null,
    file: stack.calibration.pixelSizePm,
    latticeConstantPm,
    pointGroup: card.lattice.pointGroup,
    trustMetadata: opts.trustMetadata,
  });
  if (pixel.pixelSizePm.value == null && pixel.verdict.applicable === 'unknown') {
    // no calibration and no Fourier lattice peak: find the scale at which the network sees bonds of the
    // model's length (inference/scaleFromAtoms.ts)
    const { initBackend, loadModel, createSegmenter } = await tfjsSide();
    await initBackend(opts.backend);
    const { model } = await loadModel(modelDir);
    try {
      const seg = createSegmenter(model, card, { threads: os.availableParallelism() });
      const s = await scaleFromAtoms(seg, first, stack.height, stack.width).finally(() => seg.dispose?.());
      if (s) {
        const note = `from the bond lengths of the network's atoms (${(100 * s.agreement).toFixed(0)} % of ${s.atoms} atoms at the model's bond length); the Fourier lattice peak was too faint`;
        pixel.pixelSizePm = { value: s.pixelSizePm, origin: 'lattice', note };
        pixel.measuredPm = s.pixelSizePm;
        pixel.warnings = [`no pixel size in the file and no Fourier lattice peak; using ${s.pixelSizePm.toFixed(3)} pm/px ${note}`];
        pixel.verdict = {
          ...pixel.verdict,
          applicable: true,
          method: 'bonds',
          bondAgreement: Number(s.agreement.toFixed(3)),
          reason: `no clear Fourier peak, but at ${s.pixelSizePm.toFixed(2)} pm/px ${(100 * s.agreement).toFixed(0)} % of the network's ${s.atoms} atoms have a neighbour at ${material}'s bond length`,
        };
      }
    } finally {
      model.dispose();
    }
  }
  return { card, modelDir, elements, material, latticeConstantPm, pixel };
}

/** The one-line message for a run whose pixel size stayed unknown (no calibration, no applicable lattice). */
export function unknownPixelSizeMessage(plan: LocatePlan): string {
  return plan.pixel.verdict.applicable === false
    ? `unknown pixel size: the file has no calibration and the frame is not a ${plan.material} lattice, so none can be measured; give --pixel-size PM`
    : 'unknown pixel size: the file has no calibration and no lattice was found in the first frame; give --pixel-size PM';
}

const workerModule = fileURLToPath(siblingModule(import.meta.url, 'locateWorker'));

/**
 * Network input pixels (at the model's pixel size) a worker thread must be given to repay its start-up:
 * 16 frames of 256 x 256. Measured (bench/workers.ts, 2-core machine, wasm backend with SIMD and one
 * thread per backend): a worker spends about 1.3-1.5 s of CPU before its first result (importing tfjs
 * 0.6 s, compiling the wasm backend 0.1 s, loading the model 0.05 s, and a first and second frame that
 * are 0.45 s and 0.13 s slower than the steady 0.2 s per 256 x 256 model frame), i.e. about 7 such frames.
 */
export const WORKER_MIN_MODEL_PIXELS = 16 * 256 * 256;

/**
 * Resident memory of one locate worker thread, MB, for frames of `modelPixelsPerFrame` network input
 * pixels: its own V8 heap, tfjs and the wasm backend's heap (which grows to the largest forward pass and
 * never shrinks), the model, the frame's probability map and blobs. Measured with /usr/bin/time -v
 * (peak RSS of `atomdyn locate` with 2 workers minus 1 worker, graphene-si, wasm backend): about 140 MB
 * with 320 x 320 model frames (512 x 512 px at 10 pm/px), about 80 MB with 160 x 160; a straight line
 * through both.
 */
export function workerMemoryMb(modelPixelsPerFrame: number): number {
  return 60 + 0.8e-3 * modelPixelsPerFrame;
}

/**
 * Memory the default worker count may give to locate's worker threads together, MB:
 * `ATOMDYN_WORKER_MEMORY_MB`, else 256 (one worker for 512 x 512 frames at 10 pm/px, two for 256 x 256;
 * `workers` overrides the default count whatever it costs).
 * @throws AtomdynError naming ATOMDYN_WORKER_MEMORY_MB when it is not a number >= 0
 */
export function workerMemoryBudgetMb(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.ATOMDYN_WORKER_MEMORY_MB;
  if (v === undefined || v === '') return 256;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new AtomdynError('ATOMDYN_WORKER_MEMORY_MB', `must be a number of MB >= 0, got '${v}'`);
  return n;
}

/**
 * How many worker threads `locate` starts when not told: none (the calling thread) on the native
 * `tensorflow` backend (multi-threaded itself) or when the movie's work would not repay the start-up of
 * two workers ({@link WORKER_MIN_MODEL_PIXELS} each); else as many as the work repays, at most one per
 * core divided by the backend's threads (workers x threads <= cores: the wasm backend runs one thread in
 * Node) and at most 4, where that makes at least two (a single worker would only add its start-up
 * while the calling thread waits); then at most as many as `memoryBudgetMb` holds ({@link workerMemoryMb}
 * each), which may leave one (the network's memory goes with the worker when locate ends) or none.
 * @param backend the active backend's name and threads per instance
 * @param frames frames to locate
 * @param modelPixelsPerFrame pixels of one frame at the model's pixel size (what the network sees)
 * @param cores cores this process may use (default os.availableParallelism())
 * @param memoryBudgetMb memory the workers may take together, MB (default no limit; locate passes
 *   {@link workerMemoryBudgetMb})
 */
export function defaultLocateWorkers(backend: { name: string; threads: number }, frames: number, modelPixelsPerFrame: number, cores = os.availableParallelism(), memoryBudgetMb = Infinity): number {
  if (backend.name === 'tensorflow' || frames < 2) return 0;
  const byCores = Math.floor(cores / Math.max(1, backend.threads));
  const byWork = Math.floor((frames * modelPixelsPerFrame) / WORKER_MIN_MODEL_PIXELS);
  const k = Math.min(byCores, byWork, frames, 4);
  if (k < 2) return 0;
  // within the memory budget; where it holds only one worker, one: the network's heap (which never
  // shrinks) is returned when the worker ends, where the calling thread would keep it for the rest of the run
  return Math.min(k, Math.floor(memoryBudgetMb / workerMemoryMb(modelPixelsPerFrame)));
}

/**
 * Stream the atoms of every frame, in frame order.
 * @throws AtomdynError from the readers (bad frames) or the normalisation (flat frames)
 */
export async function* locateIter(stack: FrameStack, plan: LocatePlan, opts: LocateOptions): AsyncGenerator<LocatedFrame> {
  if (plan.pixel.pixelSizePm.value == null) throw new AtomdynError(stack.path, unknownPixelSizeMessage(plan));
  // onnxruntime-node with the folder's ONNX export: neither tfjs nor the tfjs model is loaded (in this
  // thread or the workers); else the backend of initBackend, the model loaded and, on onnxruntime, exported
  const choice = effectiveBackendChoice(opts.backend);
  const ort = await onnxRuntimeWithoutTfjs(choice);
  const shipped = ort ? await readModelOnnx(plan.modelDir) : null;
  const tfjs = shipped ? null : await tfjsSide();
  const backend = tfjs ? await tfjs.initBackend(choice) : { name: 'onnxruntime', threads: 1, inference: 'onnxruntime' as const };
  const v = plan.pixel.verdict;
  const spots = v.applicable === true && v.model ? v.model.spotsPerPx : null;
  // the lattice-area check of 'other' (LocateFrameOptions.latticeSpotsPerPx) uses the plan's Fourier peaks
  // when the frame is the model's lattice; `opts.frame.latticeSpotsPerPx: []` turns it off
  const frameOpts: LocateFrameOptions = { ...(spots ? { latticeSpotsPerPx: spots } : {}), ...(opts.frame ?? {}), inputPixelSizePm: plan.pixel.pixelSizePm.value! };
  const progress = opts.progress ?? silentProgress;
  const s = plan.card.pixelSizePm / plan.pixel.pixelSizePm.value!; // input pixels per model pixel
  const nWorkers = Math.max(0, opts.workers ?? defaultLocateWorkers(backend, stack.count, Math.round(stack.height / s) * Math.round(stack.width / s), undefined, workerMemoryBudgetMb()));
  progress.start('locate', stack.count);
  const started = Date.now();
  try {
    if (nWorkers === 0) {
      const threads = os.availableParallelism();
      let seg: Segmenter;
      let release = () => {};
      if (tfjs) {
        const { model, card } = await tfjs.loadModel(plan.modelDir);
        seg = tfjs.createSegmenter(model, card, { threads });
        release = () => model.dispose();
      } else seg = onnxSegmenterFromBytes(shipped!.bytes, shipped!.card, ort!, { threads });
      try {
        for (let i = 0; i < stack.count; i++) {
          const data = await stack.readFrame(i);
          opts.onFrame?.(i, data);
          const { atoms, probeSigmaPx, fitLightLlr } = await locateFrame(seg, data, stack.height, stack.width, frameOpts, `${stack.path} frame ${i}`);
          progress.tick(1, { 'frames/s': ((i + 1) / ((Date.now() - started) / 1000)).toFixed(2) });
          yield { frame: i, atoms, probeSigmaPx, fitLightLlr };
        }
      } finally {
        seg.dispose?.();
        release();
      }
      return;
    }
    // on onnxruntime the network's ONNX bytes (the folder's export, or exported here once) are given to the
    // workers, which then load neither tfjs nor the model (inference/locateWorker.ts): less start-up and memory per worker
    let onnx: { bytes: Uint8Array; card: ModelCard } | null = shipped ? { bytes: shipped.bytes, card: shipped.card } : null;
    if (!onnx && tfjs && backend.inference === 'onnxruntime') {
      const { model, card } = await tfjs.loadModel(plan.modelDir);
      try {
        onnx = { bytes: tfjs.onnxBytes(model, card), card };
      } finally {
        model.dispose();
      }
    }
    const pool = new WorkerPool<LocateRequest, LocateReply>(workerModule, nWorkers, {
      modelDir: plan.modelDir,
      backend: backend.name,
      ...(onnx ? { onnx: onnx.bytes, card: onnx.card } : {}),
      // onnxruntime's threads per worker: the cores shared out (each worker also does its frames' other work)
      threads: Math.max(1, Math.floor(os.availableParallelism() / nWorkers)),
    });
    try {
      const inFlight: Array<Promise<LocateReply>> = [];
      let next = 0;
      const submit = async () => {
        const i = next++;
        const raw = await stack.readFrame(i);
        const data = Float32Array.from(raw); // own buffer: moved, not copied, to the worker
        inFlight.push(pool.run({ frame: data, height: stack.height, width: stack.width, options: frameOpts, source: `${stack.path} frame ${i}` }, [data.buffer as ArrayBuffer]));
        opts.onFrame?.(i, raw); // while the worker runs the network
      };
      while (next < stack.count && inFlight.length < 2 * nWorkers) await submit();
      for (let i = 0; i < stack.count; i++) {
        let reply: LocateReply;
        try {
          reply = await inFlight.shift()!;
        } catch (e) {
          const err = e as Error & { source?: string };
          if (err.name === 'AtomdynError') throw new AtomdynError(err.source ?? stack.path, err.message.replace(/^.*?: /, ''));
          throw e;
        }
        if (next < stack.count) await submit();
        progress.tick(1, { 'frames/s': ((i + 1) / ((Date.now() - started) / 1000)).toFixed(2) });
        yield { frame: i, atoms: reply.atoms, probeSigmaPx: reply.probeSigmaPx, fitLightLlr: reply.fitLightLlr };
      }
    } finally {
      await pool.close(5000); // each worker frees its onnxruntime session before it ends (data/workerPool.ts)
    }
  } finally {
    progress.stop();
  }
}

/** What {@link checkLocatedFrame} found for one frame. */
export interface FrameCheck {
  frame: number;
  /** Fourier verdict (null when this frame was not Fourier-checked), refined by the bond check when unknown. */
  verdict: LatticeVerdict | null;
  /** Share of the frame that shows the lattice (0..1), or null without a lattice peak to demodulate. */
  latticeShare: number | null;
  /** Share of that lattice area with no detected column within 1.5 bond lengths, or null. */
  uncoveredShare: number | null;
  /** Share of the columns that lattice area should hold (column density x area) that were not detected, or null. */
  missedColumnShare: number | null;
  /** uncoveredShare or missedColumnShare above {@link MISSED_LATTICE_MAX}. */
  flagged: boolean;
  /** 1 where lattice has no detection, `[height * width]`, for the overlay; null when not computed. */
  uncovered: Uint8Array | null;
}

/** The bond length (pm) of the plan's material (models/materials.ts), else the card's shortest bond. */
export function planBondPm(plan: LocatePlan): number {
  return bondLengthPm(plan.material) ?? Math.min(...Object.values(plan.card.lattice.bondLengthsPm));
}

/**
 * Frames whose Fourier verdict is computed: the first and up to `max - 1` more, evenly spaced.
 */
export function applicabilityFrames(count: number, max = 8): Set<number> {
  const out = new Set<number>([0]);
  for (let k = 1; k < max && k < count; k++) out.add(Math.round((k * (count - 1)) / Math.max(1, Math.min(max, count) - 1)));
  return out;
}

/**
 * The checks of one located frame (inference/applicability.ts, inference/latticeMask.ts): its Fourier
 * verdict (frame 0 reuses the plan's) refined by the bond lengths when unknown, and the share of its
 * lattice area without detections. The lattice peaks are this frame's when it has them, else the first
 * frame's (the lattice frequency barely changes within a movie).
 * @param data raw frame float32 `[height * width]`
 * @param atoms this frame's located atoms, px
 * @param fourier compute the Fourier verdict of this frame (costly: a few seconds for 1024 x 1024)
 */
export function checkLocatedFrame(plan: LocatePlan, data: Float32Array, height: number, width: number, frame: number, atoms: Array<{ x: number; y: number }>, fourier: boolean): FrameCheck {
  const px = plan.pixel.pixelSizePm.value!;
  const bond = planBondPm(plan);
  let verdict: LatticeVerdict | null = null;
  if (frame === 0) verdict = plan.pixel.verdict;
  else if (fourier) {
    verdict = checkFrameLattice(data, height, width, { lattice: plan.material, latticeConstantPm: plan.latticeConstantPm, pointGroup: plan.card.lattice.pointGroup }, px);
  }
  if (verdict) verdict = bondVerdict(verdict, atoms, px, bond);
  const spots = verdict?.applicable === true && verdict.model ? verdict.model.spotsPerPx : plan.pixel.verdict.applicable === true && plan.pixel.verdict.model ? plan.pixel.verdict.model.spotsPerPx : null;
  if (!spots || (verdict && verdict.applicable === false)) return { frame, verdict, latticeShare: null, uncoveredShare: null, missedColumnShare: null, flagged: false, uncovered: null };
  const area = latticeAreaMask(data, height, width, spots);
  const density = columnDensityPerPm2(plan.latticeConstantPm, plan.card.lattice.pointGroup) * px * px;
  const cov = uncoveredLattice(area.mask, height, width, atoms, (1.5 * bond) / px, density);
  const { uncoveredShare, missedColumnShare } = cov;
  const flagged = (uncoveredShare ?? 0) > MISSED_LATTICE_MAX || (missedColumnShare ?? 0) > MISSED_LATTICE_MAX;
  return { frame, verdict, latticeShare: area.share, uncoveredShare, missedColumnShare, flagged, uncovered: cov.uncovered };
}

/** The run-level summary of frame checks, as written to run.json (docs/schema.md). */
export interface ApplicabilitySummary extends RunVerdict {
  /** Model name and lattice the check was against. */
  model: string;
  lattice: string;
  /** The first frame's measurements (Fourier peaks of both symmetry families, spacings, bond agreement). */
  firstFrame: LatticeVerdict;
  /** Missed lattice: mean and largest uncovered share over the checked frames, the threshold, flagged frames. */
  missedLattice: {
    meanUncoveredShare: number | null;
    maxUncoveredShare: number | null;
    meanMissedColumnShare: number | null;
    maxMissedColumnShare: number | null;
    threshold: number;
    coverRadiusPm: number;
    flaggedFrames: number[];
  };
}

/** Summarise frame checks for run.json and the report. */
export function summariseChecks(plan: LocatePlan, modelName: string, checks: FrameCheck[]): ApplicabilitySummary {
  const withVerdict = checks.filter((c) => c.verdict).map((c) => ({ frame: c.frame, verdict: c.verdict! }));
  const rv = runVerdict(withVerdict.length ? withVerdict : [{ frame: 0, verdict: plan.pixel.verdict }]);
  const byFrame = new Map(checks.map((c) => [c.frame, c]));
  const frames = rv.frames.map((f) => {
    const c = byFrame.get(f.frame);
    return { ...f, bondAgreement: c?.verdict?.bondAgreement ?? null, latticeShare: r3(c?.latticeShare), uncoveredLatticeShare: r3(c?.uncoveredShare), missedColumnShare: r3(c?.missedColumnShare) };
  });
  const shares = checks.map((c) => c.uncoveredShare).filter((v): v is number => v !== null);
  const missed = checks.map((c) => c.missedColumnShare).filter((v): v is number => v !== null);
  return {
    ...rv,
    frames,
    model: modelName,
    lattice: plan.material,
    firstFrame: withVerdict.find((f) => f.frame === 0)?.verdict ?? plan.pixel.verdict,
    missedLattice: {
      meanUncoveredShare: shares.length ? r3(shares.reduce((a, b) => a + b, 0) / shares.length) : null,
      maxUncoveredShare: shares.length ? r3(Math.max(...shares)) : null,
      meanMissedColumnShare: missed.length ? r3(missed.reduce((a, b) => a + b, 0) / missed.length) : null,
      maxMissedColumnShare: missed.length ? r3(Math.max(...missed)) : null,
      threshold: MISSED_LATTICE_MAX,
      coverRadiusPm: Number((1.5 * planBondPm(plan)).toFixed(1)),
      flaggedFrames: checks.filter((c) => c.flagged).map((c) => c.frame),
    },
  };
}

function r3(v: number | null | undefined): number | null {
  return v === null || v === undefined ? null : Math.round(v * 1000) / 1000;
}

/** Column order of atoms.csv (docs/schema.md). */
export function atomsColumns(calibrated: boolean): string[] {
  return ['frame', 'x', 'y', 'species', 'element', 'confidence', 'presence', ...(calibrated ? ['x_pm', 'y_pm', 'sigma_pm'] : [])];
}

/** Rows of atoms.csv for one located frame. */
export function atomsRows(f: LocatedFrame, plan: LocatePlan): Array<Record<string, Cell>> {
  const px = plan.pixel.pixelSizePm.value;
  return f.atoms.map((a) => ({
    frame: f.frame,
    x: round(a.x, 4),
    y: round(a.y, 4),
    species: a.species,
    element: plan.elements[a.species] ?? a.species,
    confidence: round(a.confidence, 4),
    presence: Number.isFinite(a.presence) ? round(a.presence, 1) : null,
    ...(px ? { x_pm: round(a.x * px, 2), y_pm: round(a.y * px, 2), sigma_pm: Number.isFinite(a.sigmaPx) ? round(a.sigmaPx * px, 2) : null } : {}),
  }));
}

function round(v: number, d: number): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}

/**
 * The probe width of a run: the median over frames of the column fit's width, as a Gaussian standard
 * deviation and FWHM in pm (null without the fit or without a pixel size).
 */
export function probeWidthOfRun(frames: LocatedFrame[], pixelSizePm: number | null): { sigmaPm: number; fwhmPm: number } | null {
  const v = frames.map((f) => f.probeSigmaPx).filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length || !pixelSizePm) return null;
  const sigmaPm = v[v.length >> 1] * pixelSizePm;
  return { sigmaPm: round(sigmaPm, 2), fwhmPm: round(2 * Math.sqrt(2 * Math.LN2) * sigmaPm, 2) };
}

/**
 * Locate atoms in every frame and return the whole atoms table (the table wrapper of {@link locateIter}).
 */
export async function locate(stack: FrameStack, opts: LocateOptions): Promise<{ plan: LocatePlan; table: Table; frames: LocatedFrame[] }> {
  const plan = await planLocate(stack, opts);
  const frames: LocatedFrame[] = [];
  const rows: Array<Record<string, Cell>> = [];
  for await (const f of locateIter(stack, plan, opts)) {
    frames.push(f);
    rows.push(...atomsRows(f, plan));
  }
  return { plan, table: { columns: atomsColumns(plan.pixel.pixelSizePm.value != null), rows }, frames };
}
