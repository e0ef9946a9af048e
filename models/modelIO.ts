/**
 * Save and load a segmenter on disk in the TensorFlow.js layers format, without tfjs-node (whose
 * `file://` handler does not exist on the wasm and cpu backends): a custom IOHandler
 * (`tf.io.withSaveHandler` to save, `tf.io.fromMemory` to load) writes/reads
 *
 *   DIR/model.json          topology + weights manifest (format 'layers-model'), loadable by
 *                           `tf.loadLayersModel` of tfjs-node or a browser (with the custom layer of
 *                           models/unet.ts registered)
 *   DIR/weights.<hash>.bin  the weights, float32 little-endian, named by their SHA-256
 *   DIR/card.json           the model card (models/modelCard.ts)
 *   DIR/network.<key>.onnx  the network exported to ONNX (models/onnxFile.ts), which inference on
 *                           onnxruntime-node runs without loading tfjs; absent where the exporter
 *                           cannot write the network
 *
 * Every file is written atomically (temp file + rename). The weights file is new for new weights and
 * `model.json`, written last, is the commit point: an interrupted save leaves the previous model
 * loadable. `model.json` records the SHA-256 of the card it was saved with, so a card from another
 * save is detected on load. Stale `weights.*.bin` files are removed after a save.
 *
 * Optimizer state (Adam moments and step count) for checkpoints: {@link saveOptimizerState} /
 * {@link loadOptimizerState} (`optimizer.json` + `optimizer.<hash>.bin`).
 */
import { promises as fs, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { tf } from './tensorBackend.ts';
import './unet.ts'; // registers the custom layers for deserialisation
import { writeFileAtomic } from '../data/atomicWrite.ts';
import { AtomdynError } from '../data/errors.ts';
import { validateModelCard, type ModelCard } from './modelCard.ts';
import { readModelCard, recordedCardSha256, writeModelOnnxFile } from './onnxFile.ts';
import { onnxBytes } from './inferenceGraph.ts';

/** What {@link loadModel} returns. */
export interface LoadedModel {
  model: tf.LayersModel;
  card: ModelCard;
  /** The model directory, absolute. */
  dir: string;
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

function toBytes(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

function expectedBytes(specs: tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * (w.quantization ? (w.quantization.dtype === 'uint8' ? 1 : 2) : DTYPE_BYTES[w.dtype] ?? 4), 0);
}

async function removeStale(dir: string, prefix: string, keep: string): Promise<void> {
  for (const f of await fs.readdir(dir)) {
    if (f.startsWith(`${prefix}.`) && f.endsWith('.bin') && f !== keep) await fs.rm(path.join(dir, f), { force: true });
  }
}

/**
 * Save `model` and its card into `dir` (created if needed).
 *
 * @param model a tf.LayersModel (e.g. from models/unet.ts)
 * @param dir output directory
 * @param card the model card; validated before anything is written
 * @throws AtomdynError when the card is invalid or a file cannot be written
 */
export async function saveModel(model: tf.LayersModel, dir: string, card: ModelCard): Promise<void> {
  validateModelCard(card, path.join(dir, 'card.json'));
  const cardText = JSON.stringify(card, null, 2) + '\n';
  await fs.mkdir(dir, { recursive: true }).catch((e) => {
    throw new AtomdynError(dir, `cannot create the model folder: ${(e as Error).message}`);
  });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const weights = toBytes(artifacts.weightData ?? new ArrayBuffer(0));
    const weightsFile = `weights.${sha256(weights).slice(0, 16)}.bin`;
    const modelJson = {
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy,
      convertedBy: 'atomdyn models/modelIO.ts',
      modelTopology: artifacts.modelTopology,
      ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
      weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }],
      userDefinedMetadata: { atomdyn: { cardSha256: sha256(cardText) } },
    };
    await writeFileAtomic(path.join(dir, weightsFile), weights);
    await writeFileAtomic(path.join(dir, 'card.json'), cardText);
    const modelJsonText = JSON.stringify(modelJson);
    await writeFileAtomic(path.join(dir, 'model.json'), modelJsonText);
    await removeStale(dir, 'weights', weightsFile);
    await writeModelOnnxFile(dir, modelJsonText, exportedOrNull(model, card));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }));
}

/** The ONNX export of a U-Net (models/onnxFile.ts), or null for a network the exporter cannot write. */
function exportedOrNull(model: tf.LayersModel, card: ModelCard): Uint8Array | null {
  try {
    return onnxBytes(model, card);
  } catch {
    return null; // inference then runs the tfjs model, or exports it at run time and reports why it cannot
  }
}

/**
 * Write (or rewrite) the ONNX export of the model in `dir` beside it (models/onnxFile.ts), for a folder
 * saved before `saveModel` wrote one: onnxruntime-node then runs it without loading tfjs.
 * @param dir the model folder
 * @returns the file written
 * @throws AtomdynError as {@link loadModel}, or ('model', ...) when the network cannot be exported
 */
export async function writeModelOnnx(dir: string): Promise<string> {
  const { model, card, dir: abs } = await loadModel(dir);
  try {
    return (await writeModelOnnxFile(abs, await fs.readFile(path.join(abs, 'model.json')), onnxBytes(model, card)))!;
  } finally {
    model.dispose();
  }
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new AtomdynError(file, `cannot read ${what}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AtomdynError(file, `${what} is not valid JSON: ${(e as Error).message}`);
  }
}

async function readWeights(dir: string, file: string, manifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of manifest) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) throw new AtomdynError(file, 'weightsManifest entries need paths and weights');
    specs.push(...group.weights);
    for (const p of group.paths) {
      if (path.isAbsolute(p) || p.includes('..')) throw new AtomdynError(file, `weights path '${p}' must be a file name inside the model folder`);
      const wf = path.join(dir, p);
      try {
        parts.push(await fs.readFile(wf));
      } catch (e) {
        throw new AtomdynError(wf, `cannot read model weights: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (e as Error).message}`);
      }
    }
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  const want = expectedBytes(specs);
  if (total !== want) throw new AtomdynError(file, `weights files hold ${total} bytes but the manifest needs ${want} (truncated or mismatched weights)`);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return { specs, data: out.buffer };
}

/**
 * Load a model saved by {@link saveModel} (or any tfjs layers-model folder with a card.json).
 *
 * @param dir the model folder (holding model.json and card.json), or the path of its model.json
 * @throws AtomdynError naming the file when a file is missing, unreadable, truncated, or the card is
 *   invalid or belongs to another save
 */
export async function loadModel(dir: string): Promise<LoadedModel> {
  if (path.basename(dir) === 'model.json') dir = path.dirname(dir);
  dir = path.resolve(dir);
  const modelFile = path.join(dir, 'model.json');
  const cardFile = path.join(dir, 'card.json');
  if (!existsSync(modelFile)) throw new AtomdynError(dir, 'not a model folder: model.json is missing');
  const json = (await readJson(modelFile, 'the model topology')) as Record<string, unknown>;
  if (typeof json !== 'object' || json === null || !json.modelTopology) throw new AtomdynError(modelFile, 'has no modelTopology (not a TensorFlow.js layers model)');
  if (json.format !== undefined && json.format !== 'layers-model') throw new AtomdynError(modelFile, `format is '${String(json.format)}', expected 'layers-model'`);
  if (!Array.isArray(json.weightsManifest)) throw new AtomdynError(modelFile, 'has no weightsManifest');
  const card = await readModelCard(dir, recordedCardSha256(json));
  const { specs, data } = await readWeights(dir, modelFile, json.weightsManifest as Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>);
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology as object,
      weightSpecs: specs,
      weightData: data,
      format: 'layers-model',
    }));
  } catch (e) {
    throw new AtomdynError(modelFile, `cannot build the model: ${(e as Error).message}`, { cause: e });
  }
  const channels = (model.outputs[0].shape as number[])[3];
  if (channels !== card.classes.length) {
    model.dispose();
    throw new AtomdynError(cardFile, `card lists ${card.classes.length} classes but the model outputs ${channels} channels`);
  }
  return { model, card, dir };
}

/**
 * Save an optimizer's state (e.g. Adam's step count and moment estimates) to
 * `dir/optimizer.json` + `dir/optimizer.<hash>.bin`, for resuming training. The weights are stored
 * in the optimizer's own order; {@link loadOptimizerState} restores them into an optimizer of the
 * same kind driven with the same variable list in the same order.
 *
 * @throws AtomdynError when a file cannot be written
 */
export async function saveOptimizerState(optimizer: tf.Optimizer, dir: string): Promise<void> {
  const named = await optimizer.getWeights();
  const { data, specs } = await tf.io.encodeWeights(named);
  const bytes = toBytes(data);
  const file = `optimizer.${sha256(bytes).slice(0, 16)}.bin`;
  await writeFileAtomic(path.join(dir, file), bytes);
  await writeFileAtomic(path.join(dir, 'optimizer.json'), JSON.stringify({
    className: optimizer.getClassName(), config: optimizer.getConfig(), paths: [file], weights: specs,
  }));
  await removeStale(dir, 'optimizer', file);
}

/**
 * Restore optimizer state written by {@link saveOptimizerState} into `optimizer`.
 *
 * @returns false when `dir` holds no optimizer state (the optimizer is left fresh)
 * @throws AtomdynError when the state is unreadable or was written by another kind of optimizer
 */
export async function loadOptimizerState(optimizer: tf.Optimizer, dir: string): Promise<boolean> {
  const file = path.join(dir, 'optimizer.json');
  if (!existsSync(file)) return false;
  const json = (await readJson(file, 'the optimizer state')) as { className: string; paths: string[]; weights: tf.io.WeightsManifestEntry[] };
  if (json.className !== optimizer.getClassName()) {
    throw new AtomdynError(file, `optimizer state is for ${json.className}, but training uses ${optimizer.getClassName()}`);
  }
  const { specs, data } = await readWeights(dir, file, [{ paths: json.paths, weights: json.weights }]);
  const map = tf.io.decodeWeights(data, specs);
  try {
    await optimizer.setWeights(specs.map((s) => ({ name: s.name, tensor: map[s.name] })));
  } finally {
    tf.dispose(Object.values(map)); // the optimizer's variables hold their own references
  }
  return true;
}

/**
 * SHA-256 (hex) of a saved model's weight bytes: its weight files concatenated in manifest order
 * (identifies the weights a fine-tuned model started from, card `training.initFrom`).
 *
 * @param dir the model folder (holding model.json)
 * @throws AtomdynError naming the file when model.json or a weights file is missing or unreadable
 */
export async function modelWeightsSha256(dir: string): Promise<string> {
  const modelFile = path.join(path.resolve(dir), 'model.json');
  const json = (await readJson(modelFile, 'the model topology')) as { weightsManifest?: unknown };
  if (!Array.isArray(json?.weightsManifest)) throw new AtomdynError(modelFile, 'has no weightsManifest');
  const { data } = await readWeights(path.dirname(modelFile), modelFile, json.weightsManifest as Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>);
  return sha256(new Uint8Array(data));
}
