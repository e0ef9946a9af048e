/**
 * Worker thread of inference/locate.ts: answers one frame per request with its atoms. Given the
 * network's ONNX bytes and card (the onnxruntime backend: inference/locate.ts exports the network once),
 * it runs them on onnxruntime-node and never loads tfjs or the model; else it initialises its own tensor
 * backend (with the wasm kernels) and loads the model once.
 */
import { serveWorkerRequests, workerInit } from '../data/workerPool.ts';
import type { BackendChoice } from '../models/tensorBackend.ts';
import type { ModelCard } from '../models/modelCard.ts';
import type { Segmenter } from './segmenter.ts';
import { locateFrame, type LocateFrameOptions, type LocatedAtom } from './locateFrame.ts';

/** A frame to locate. */
export interface LocateRequest {
  frame: Float32Array;
  height: number;
  width: number;
  options: LocateFrameOptions;
  source: string;
}

/** The answer for one frame: its atoms and the probe width the column fit measured (NaN without the fit). */
export interface LocateReply {
  atoms: LocatedAtom[];
  probeSigmaPx: number;
  /** The column fit's median light-column Wald LLR (NaN where the fit did not run). */
  fitLightLlr: number;
}

const init = workerInit<{ modelDir: string; backend: BackendChoice; threads?: number; onnx?: Uint8Array; card?: ModelCard }>();
const ready = (async (): Promise<Segmenter> => {
  if (init.onnx && init.card) {
    const [{ onnxSegmenterFromBytes }, { loadOnnxRuntime }] = await Promise.all([import('./onnxSession.ts'), import('../models/onnxRuntime.ts')]);
    return onnxSegmenterFromBytes(init.onnx, init.card, await loadOnnxRuntime(), { threads: init.threads ?? 1 });
  }
  const [{ initBackend }, { loadModel }, { createSegmenter }] = await Promise.all([import('../models/tensorBackend.ts'), import('../models/modelIO.ts'), import('./segmenter.ts')]);
  await initBackend(init.backend);
  const { model, card } = await loadModel(init.modelDir);
  return createSegmenter(model, card, { threads: init.threads ?? 1 });
})();

serveWorkerRequests<LocateRequest, LocateReply>(async (req) => {
  const seg = await ready;
  const { atoms, probeSigmaPx, fitLightLlr } = await locateFrame(seg, req.frame, req.height, req.width, req.options, req.source);
  return { result: { atoms, probeSigmaPx, fitLightLlr } };
}, async () => {
  // onnxruntime's session and memory arena are native memory: freed here, not left behind by the thread
  await (await ready.catch(() => null))?.dispose?.();
});
