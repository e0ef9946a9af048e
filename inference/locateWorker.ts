/**
 * Worker thread of inference/locate.ts: initialises its own tensor backend (with the wasm kernels),
 * loads the model once, then answers one frame per request with its atoms.
 */
import { serveWorkerRequests, workerInit } from '../data/workerPool.ts';
import { initBackend, type BackendChoice } from '../models/tensorBackend.ts';
import { loadModel } from '../models/modelIO.ts';
import { createSegmenter } from './segmenter.ts';
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

const init = workerInit<{ modelDir: string; backend: BackendChoice; threads?: number }>();
const ready = (async () => {
  await initBackend(init.backend);
  const { model, card } = await loadModel(init.modelDir);
  return createSegmenter(model, card, { threads: init.threads ?? 1 });
})();

serveWorkerRequests<LocateRequest, LocateReply>(async (req) => {
  const seg = await ready;
  const { atoms, probeSigmaPx, fitLightLlr } = await locateFrame(seg, req.frame, req.height, req.width, req.options, req.source);
  return { result: { atoms, probeSigmaPx, fitLightLlr } };
});
