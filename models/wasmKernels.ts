/**
 * Training kernels for the tfjs wasm backend (filled in by the backend-kernels work).
 */
/** Register the wasm training kernels (idempotent). */
export function registerWasmTrainingKernels(): void {}
