/**
 * onnxruntime-node as atomdyn uses it, without loading tfjs or the ONNX exporter: the module's type, its
 * import, and the input and output names of the graphs models/onnxExport.ts writes (the one place they are
 * defined; a locate worker running exported bytes, inference/onnxSession.ts, needs nothing else).
 */

/** The onnxruntime-node module (its `InferenceSession` and `Tensor`), typed as far as atomdyn uses it. */
export type OnnxRuntimeModule = typeof import('onnxruntime-node');

/** Name of the exported graph's input: float32 `[n, 1, h, w]`, the normalised patches. */
export const ONNX_INPUT = 'x';

/** Name of the exported graph's output: float32 `[n, h, w, classes]` (NHWC), softmax class probabilities. */
export const ONNX_OUTPUT = 'probabilities';

/**
 * The onnxruntime-node module, imported (CommonJS default export unwrapped).
 * @throws Error from the import where onnxruntime-node is not installed or its native library does not load
 */
export async function loadOnnxRuntime(): Promise<OnnxRuntimeModule> {
  const mod = (await import('onnxruntime-node')) as OnnxRuntimeModule & { default?: OnnxRuntimeModule };
  return (mod.default ?? mod) as OnnxRuntimeModule;
}

/**
 * Check that onnxruntime-node runs: a one-node graph (2 x 2 max pooling of `[1, 2, 3, 4]`-like values)
 * written by atomdyn's own exporter (models/onnxExport.ts) must give its known answer.
 * @param ort the module from {@link loadOnnxRuntime}
 * @throws Error when the session cannot be made or the answer is wrong
 */
export async function probeOnnxRuntime(ort: OnnxRuntimeModule): Promise<void> {
  const { exportOnnx } = await import('./onnxExport.ts'); // onnxExport imports this module's names
  const bytes = exportOnnx({ input: 'in', output: 'p', nodes: [{ name: 'p', inputs: ['in'], spec: { op: 'maxPool', poolSize: [2, 2], strides: [2, 2], pad: 'valid' } }] });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', Float32Array.of(1, 5, 3, 2), [1, 1, 2, 2]) });
    const v = out[ONNX_OUTPUT].data as Float32Array;
    if (v.length !== 1 || v[0] !== 5) throw new Error(`probe gave wrong result ${Array.from(v)}`);
  } finally {
    await session.release();
  }
}
