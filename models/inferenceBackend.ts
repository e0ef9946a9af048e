/**
 * Which runtime runs the network's forward passes, settled without loading TensorFlow.js where it can
 * be. models/tensorBackend.ts `initBackend` selects the backend of every tensor operation and imports
 * tfjs to do so (about 0.4 s and 50 MB in a process, plus its wasm backend: 0.2 s and 30 MB more).
 * Where onnxruntime-node would be chosen anyway and the model folder holds its exported network
 * (models/onnxFile.ts), inference needs none of that: {@link onnxRuntimeWithoutTfjs} loads and probes
 * onnxruntime-node alone, and inference/locate.ts then runs the shipped ONNX bytes.
 *
 * The name of the backend that ran inference in this thread, whichever way it was settled, is kept
 * here ({@link inferenceBackendName}) for the run metadata (`run.json` `backend`).
 */
import { createRequire } from 'node:module';
import { AtomdynError } from '../data/errors.ts';
import { loadOnnxRuntime, probeOnnxRuntime, type OnnxRuntimeModule } from './onnxRuntime.ts';

/** A backend a user can ask for; `auto` tries them in models/tensorBackend.ts's order. */
export type BackendChoice = 'auto' | 'tensorflow' | 'onnxruntime' | 'wasm' | 'cpu';

/** The backends a user can name (`--backend`), `auto` first. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'onnxruntime', 'wasm', 'cpu'];

/**
 * The backend a run uses when asked for `choice`: `auto` gives way to the environment's
 * `ATOMDYN_BACKEND` where that is set (a user's standing choice; models/tensorBackend.ts `initBackend`
 * applies it to every call); a named backend (`--backend NAME`) is kept.
 * @param choice the backend asked for, default `auto`
 * @returns a backend name or `auto`
 * @throws AtomdynError('ATOMDYN_BACKEND', ...) when the environment names no backend atomdyn knows
 */
export function effectiveBackendChoice(choice: BackendChoice = 'auto'): BackendChoice {
  const env = process.env.ATOMDYN_BACKEND;
  if (choice !== 'auto' || !env) return choice;
  if (!BACKEND_CHOICES.includes(env as BackendChoice)) throw new AtomdynError('ATOMDYN_BACKEND', `unknown backend '${env}'; use one of ${BACKEND_CHOICES.join(', ')}`);
  return env as BackendChoice;
}

const require = createRequire(import.meta.url);
let recorded: string | null = null;
let onnx: Promise<OnnxRuntimeModule | null> | null = null;

/**
 * Record the backend that runs inference in this thread (called by `initBackend` and by
 * {@link onnxRuntimeWithoutTfjs} when it answers).
 * @param name a backend name: 'tensorflow', 'onnxruntime', 'wasm' or 'cpu'
 */
export function recordInferenceBackend(name: string): void {
  recorded = name;
}

/** The backend recorded by {@link recordInferenceBackend} in this thread, or null before either selection ran. */
export function inferenceBackendName(): string | null {
  return recorded;
}

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/**
 * onnxruntime-node, loaded and probed (models/onnxRuntime.ts `probeOnnxRuntime`), where `choice` makes
 * it the inference backend: `onnxruntime`, or `auto` where neither `@tensorflow/tfjs-node-gpu` nor
 * `@tensorflow/tfjs-node` is installed (`initBackend`'s order tries those native backends first, and
 * onnxruntime next). Records 'onnxruntime' when it answers.
 * @param choice the backend asked for (`auto`, `tensorflow`, `onnxruntime`, `wasm`, `cpu`)
 * @returns the module, or null where another backend is asked for or would come first, or where
 *   onnxruntime-node does not load or fails the probe (then `initBackend` decides, and reports why)
 */
export async function onnxRuntimeWithoutTfjs(choice: BackendChoice): Promise<OnnxRuntimeModule | null> {
  if (choice !== 'onnxruntime' && choice !== 'auto') return null;
  if (choice === 'auto' && (installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node'))) return null;
  onnx ??= (async () => {
    try {
      const ort = await loadOnnxRuntime();
      await probeOnnxRuntime(ort);
      return ort;
    } catch {
      return null;
    }
  })();
  const ort = await onnx;
  if (ort) recordInferenceBackend('onnxruntime');
  return ort;
}
