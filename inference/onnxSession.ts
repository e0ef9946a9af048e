/**
 * The forward passes of the U-Net on onnxruntime-node, from the ONNX bytes of the frozen network
 * (models/onnxExport.ts), without loading tfjs: what a locate worker thread needs when the main thread
 * exported the network once (inference/locate.ts). inference/segmenter.ts `onnxSegmenter` builds on it
 * where a tfjs model is at hand.
 */
import type { ModelCard } from '../models/modelCard.ts';
import { ONNX_INPUT, ONNX_OUTPUT, type OnnxRuntimeModule } from '../models/onnxRuntime.ts';
import { AtomdynError } from '../data/errors.ts';
import type { Segmenter } from './segmenter.ts';

/** Settings of {@link onnxSegmenterFromBytes}. */
export interface OnnxSessionOptions {
  /** Threads of the forward pass (onnxruntime's intra-op threads). Default 1: locate runs one segmenter per worker thread. */
  threads?: number;
}

type OnnxSession = Awaited<ReturnType<OnnxRuntimeModule['InferenceSession']['create']>>;

/**
 * A {@link Segmenter} running an exported U-Net on onnxruntime-node: the session (all graph
 * optimisations, `threads` intra-op threads, onnxruntime's memory arena and memory pattern) is opened on
 * the first call.
 * @param onnx the ModelProto bytes (models/onnxExport.ts exportOnnx: input `x` float32 [n, 1, h, w],
 *   output `probabilities` float32 [n, h, w, classes]), or a function giving them on the first call
 * @param card the network's model card (classes in output order)
 * @param ort the onnxruntime-node module (models/onnxRuntime.ts loadOnnxRuntime)
 * @throws AtomdynError('model', ...) from `predict` when the bytes cannot be had or the session fails
 */
export function onnxSegmenterFromBytes(onnx: Uint8Array | (() => Uint8Array), card: ModelCard, ort: OnnxRuntimeModule, options: OnnxSessionOptions = {}): Segmenter {
  let session: Promise<OnnxSession> | null = null;
  const open = (): Promise<OnnxSession> => {
    const bytes = typeof onnx === 'function' ? onnx() : onnx;
    const threads = Math.max(1, Math.floor(options.threads ?? 1));
    // onnxruntime's memory arena and memory pattern on (its defaults): without them each forward pass
    // allocates and frees its activations, and the time of a 256 x 256 pass scattered from 25 to 140 ms
    // (page faults of memory glibc returned) against a steady 27 ms; `locate` of 60 frames of 512 x 512 at
    // 7.8 pm/px took 13.3-13.5 s (22 s of CPU) against 11.0-11.8 s (18.3-19.5 s), at a peak RSS no lower
    // (measured 2026-12-03, issue 24)
    return ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', enableCpuMemArena: true, enableMemPattern: true })
      .catch((e: Error) => { throw new AtomdynError('model', `onnxruntime cannot run the network: ${e.message.split('\n')[0]}`); });
  };
  return {
    card,
    async predict(patches, k, ph, pw) {
      session ??= open();
      const s = await session;
      const out = await s.run({ [ONNX_INPUT]: new ort.Tensor('float32', patches, [k, 1, ph, pw]) });
      return out[ONNX_OUTPUT].data as Float32Array;
    },
    dispose() {
      const s = session;
      session = null;
      // release() is asynchronous: the promise settles when onnxruntime has freed the session and its
      // arena (a worker thread awaits it before it ends); a failure to free is not the caller's error
      return s ? s.then((x) => x.release()).catch(() => undefined) : undefined;
    },
  };
}
