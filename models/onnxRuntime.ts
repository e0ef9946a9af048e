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
