/**
 * The one tensor backend module. Every part of atomdyn that needs TensorFlow.js imports `tf` from
 * here and calls {@link initBackend} first; nothing else selects a backend or registers kernels.
 *
 * Order tried with `auto`: `tensorflow` through @tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node
 * (native libtensorflow; optional dependencies that only install where libtensorflow can be
 * downloaded), then `onnxruntime` (the network's forward passes in inference on onnxruntime-node's CPU
 * build, an optional dependency that ships its library in the npm package; everything else on wasm),
 * then `wasm` (@tensorflow/tfjs-backend-wasm, XNNPACK, with the training kernels of ./wasmKernels.ts
 * registered), then `cpu` (pure JavaScript, slow). Each candidate is probed with a real operation
 * before it is accepted. See ../shared/notes/tensor-backend.md for the measurements.
 *
 * `onnxruntime` runs the frozen U-Net (models/inferenceGraph.ts) exported to ONNX
 * (models/onnxExport.ts) through inference/segmenter.ts `onnxSegmenter`; training, and everything
 * else done with tensors, stays on tfjs (`BackendInfo.tensors`). On the 512 x 512 forward pass of
 * AtomAI's default U-Net it is 3-5x faster than wasm on this machine (`npm run bench -- inference`).
 *
 * Call {@link initBackend} in every worker thread that uses tensors: each thread has its own backend.
 * Inference alone on onnxruntime, with the model folder's ONNX export, is settled without this module
 * (models/inferenceBackend.ts `onnxRuntimeWithoutTfjs`, inference/locate.ts), so that tfjs is not imported.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AtomdynError } from '../data/errors.ts';
import { registerWasmTrainingKernels } from './wasmKernels.ts';
import { loadOnnxRuntime, probeOnnxRuntime, type OnnxRuntimeModule } from './onnxRuntime.ts';
import { BACKEND_CHOICES, effectiveBackendChoice, recordInferenceBackend, type BackendChoice } from './inferenceBackend.ts';

export { tf };

export { BACKEND_CHOICES, type BackendChoice };

export type { OnnxRuntimeModule };

/** What {@link initBackend} settled on. */
export interface BackendInfo {
  /** The backend: 'tensorflow' (native), 'onnxruntime' (forward passes native, tensors on wasm), 'wasm' or 'cpu'. */
  name: string;
  /** The tfjs backend every tensor operation (training included) runs on: 'tensorflow', 'wasm' or 'cpu'. */
  tensors: string;
  /** What runs the network's forward passes in inference: 'onnxruntime' or 'tfjs'. */
  inference: 'onnxruntime' | 'tfjs';
  /** The npm package that provided it. */
  package: string;
  /** Threads the backend uses (wasm in Node runs 1 per thread). */
  threads: number;
  /** Candidates that were tried and why they were rejected, in order. */
  rejected: string[];
}

const require = createRequire(import.meta.url);
let active: BackendInfo | null = null;
let onnx: OnnxRuntimeModule | null = null;

async function probe(): Promise<void> {
  const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  const b = tf.matMul(a, a);
  const v = await b.data();
  tf.dispose([a, b]);
  if (v[0] !== 7 || v[3] !== 22) throw new Error(`probe gave wrong result ${Array.from(v)}`);
}

async function tryNative(pkg: string): Promise<void> {
  // Importing tfjs-node registers the 'tensorflow' backend on the shared tfjs-core.
  await import(pkg);
  if (!(await tf.setBackend('tensorflow'))) throw new Error('setBackend failed');
  await probe();
}

async function tryWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
  registerWasmTrainingKernels();
  if (!(await tf.setBackend('wasm'))) throw new Error('setBackend failed');
  await probe();
}

async function tryOnnxRuntime(): Promise<void> {
  const ort = await loadOnnxRuntime();
  await probeOnnxRuntime(ort);
  onnx = ort;
}

/**
 * The onnxruntime-node module when the active backend is `onnxruntime` (after {@link initBackend}
 * chose it in this thread), else null.
 */
export function onnxRuntime(): OnnxRuntimeModule | null {
  return active?.inference === 'onnxruntime' ? onnx : null;
}

/**
 * Select and initialise the tensor backend (once per thread; later calls return the same info
 * unless `choice` names a different backend).
 *
 * @param choice a backend name to force, or 'auto' (default), which the environment's ATOMDYN_BACKEND
 *   replaces where it is set (models/inferenceBackend.ts effectiveBackendChoice)
 * @returns the backend in use
 * @throws AtomdynError('backend', ...) when a forced backend cannot be used, or no backend works;
 *   AtomdynError('ATOMDYN_BACKEND', ...) when the environment names no backend
 */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  choice = effectiveBackendChoice(choice);
  if (active && (choice === 'auto' || choice === active.name)) return active;
  if (!BACKEND_CHOICES.includes(choice)) throw AtomdynError.forOption('backend', `unknown backend '${choice}'; use one of ${BACKEND_CHOICES.join(', ')}`);
  const rejected: string[] = [];
  const candidates: Array<[string, string, () => Promise<void>]> = [];
  if (choice === 'auto' || choice === 'tensorflow') {
    candidates.push(['tensorflow', '@tensorflow/tfjs-node-gpu', () => tryNative('@tensorflow/tfjs-node-gpu')]);
    candidates.push(['tensorflow', '@tensorflow/tfjs-node', () => tryNative('@tensorflow/tfjs-node')]);
  }
  if (choice === 'auto' || choice === 'onnxruntime') {
    candidates.push(['onnxruntime', 'onnxruntime-node', async () => {
      await tryOnnxRuntime();
      await tryWasm();
    }]);
  }
  if (choice === 'auto' || choice === 'wasm') candidates.push(['wasm', '@tensorflow/tfjs-backend-wasm', tryWasm]);
  if (choice === 'auto' || choice === 'cpu') {
    candidates.push(['cpu', '@tensorflow/tfjs-backend-cpu', async () => {
      if (!(await tf.setBackend('cpu'))) throw new Error('setBackend failed');
      await probe();
    }]);
  }
  for (const [name, pkg, attempt] of candidates) {
    try {
      await attempt();
      active = { name, tensors: tf.getBackend(), inference: name === 'onnxruntime' ? 'onnxruntime' : 'tfjs', package: pkg, threads: 1, rejected };
      recordInferenceBackend(name);
      return active;
    } catch (e) {
      const msg = (e as Error).message?.split('\n')[0] ?? String(e);
      rejected.push(`${pkg}: ${/Cannot find (module|package)/.test(msg) ? 'not installed' : msg}`);
    }
  }
  throw AtomdynError.forOption('backend', `no tensor backend could be started (${rejected.join('; ')})`);
}

/** The backend chosen by {@link initBackend} in this thread, or null before it ran. */
export function activeBackend(): BackendInfo | null {
  return active;
}
