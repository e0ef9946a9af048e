#!/usr/bin/env node
// `npm run export-onnx -- DIR [DIR ...]`: write the ONNX export of each model folder's network beside it
// (DIR/network.<key>.onnx, models/onnxFile.ts), so that inference on onnxruntime-node runs it without
// loading TensorFlow.js. `saveModel` (atomdyn train) writes it for every model it saves; this is for folders
// saved before it did, and for the shipped models (models/pretrained/*) after the exporter changed.
// Runs the TypeScript sources through tsx where they are present, else the compiled dist/.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dirs = process.argv.slice(2);
if (dirs.length === 0 || dirs.some((d) => d === '--help' || d === '-h')) {
  process.stdout.write('usage: npm run export-onnx -- MODEL_DIR [MODEL_DIR ...]\nwrites MODEL_DIR/network.<key>.onnx (the network exported to ONNX for onnxruntime-node)\n');
  process.exit(dirs.length === 0 ? 2 : 0);
}
let base = '../dist/';
let ext = '.js';
if (existsSync(path.join(root, 'models', 'modelIO.ts'))) {
  const { register } = await import('tsx/esm/api');
  register();
  base = '../';
  ext = '.ts';
}
const { initBackend } = await import(`${base}models/tensorBackend${ext}`);
const { writeModelOnnx } = await import(`${base}models/modelIO${ext}`);
const { AtomdynError } = await import(`${base}data/errors${ext}`);
// the batch-norm folding runs on this backend's tensors: locate's own export at run time uses the same
const backend = await initBackend('auto');
for (const dir of dirs) {
  try {
    process.stdout.write(`${path.relative(process.cwd(), await writeModelOnnx(dir))} (tensors on ${backend.tensors})\n`);
  } catch (e) {
    if (!(e instanceof AtomdynError)) throw e;
    process.stderr.write(`export-onnx: ${e.message}\n`);
    process.exitCode = 1;
  }
}
