/**
 * The network of a model folder exported to ONNX and kept beside it, so that inference on
 * onnxruntime-node reads it without loading TensorFlow.js (models/inferenceBackend.ts):
 *
 *   DIR/network.<key>.onnx   the frozen U-Net (models/inferenceGraph.ts, batch norm folded) as written
 *                            by models/onnxExport.ts: input `x` float32 [n, 1, h, w], output
 *                            `probabilities` float32 [n, h, w, classes]
 *
 * `key` is the first 16 hex digits of the SHA-256 of `atomdyn-onnx/<ONNX_EXPORT_REVISION>\n` followed by
 * the bytes of `DIR/model.json`. model.json names the weights file by the hash of its bytes and records
 * the hash of the card (models/modelIO.ts), so new weights, a new topology or a new card give a new key:
 * an export of other weights is never read, it is simply not found (and the network is exported from
 * the tfjs model at run time, as without this file). {@link ONNX_EXPORT_REVISION} changes when the
 * exporter writes different bytes for the same model; test/onnxFile.test.ts checks that every shipped
 * file equals a fresh export.
 *
 * Written by models/modelIO.ts `saveModel` (every saved model) and `writeModelOnnx` (an existing folder:
 * `npm run export-onnx -- DIR`); read by inference/locate.ts.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../data/atomicWrite.ts';
import { AtomdynError } from '../data/errors.ts';
import { validateModelCard, type ModelCard } from './modelCard.ts';

/** Revision of the exporter's output: part of the file's key (see the module comment). */
export const ONNX_EXPORT_REVISION = 1;

/**
 * The file name of the ONNX export of the model whose model.json holds `modelJson`.
 * @param modelJson the bytes (or text, UTF-8) of DIR/model.json
 * @returns `network.<16 hex digits>.onnx`
 */
export function onnxFileName(modelJson: Uint8Array | string): string {
  const h = createHash('sha256').update(`atomdyn-onnx/${ONNX_EXPORT_REVISION}\n`).update(modelJson).digest('hex');
  return `network.${h.slice(0, 16)}.onnx`;
}

/**
 * The card hash a parsed model.json records (`userDefinedMetadata.atomdyn.cardSha256`, written by
 * models/modelIO.ts `saveModel`), or undefined where it records none.
 */
export function recordedCardSha256(modelJson: unknown): string | undefined {
  return (modelJson as { userDefinedMetadata?: { atomdyn?: { cardSha256?: string } } } | null)?.userDefinedMetadata?.atomdyn?.cardSha256;
}

/**
 * The model card of a folder, checked against the card hash its model.json records (as models/modelIO.ts
 * `loadModel` does).
 * @param dir the model folder
 * @param cardSha256 the hash model.json records ({@link recordedCardSha256}); undefined skips the check
 * @throws AtomdynError naming card.json when it is missing, not JSON, invalid or from another save
 */
export async function readModelCard(dir: string, cardSha256: string | undefined): Promise<ModelCard> {
  const cardFile = path.join(dir, 'card.json');
  const cardText = await fs.readFile(cardFile, 'utf8').catch(() => {
    throw new AtomdynError(cardFile, 'model card is missing (every atomdyn model needs its card.json)');
  });
  let cardRaw: unknown;
  try {
    cardRaw = JSON.parse(cardText);
  } catch (e) {
    throw new AtomdynError(cardFile, `model card is not valid JSON: ${(e as Error).message}`);
  }
  const card = validateModelCard(cardRaw, cardFile);
  if (cardSha256 && cardSha256 !== createHash('sha256').update(cardText).digest('hex')) {
    throw new AtomdynError(cardFile, 'this card does not belong to model.json (an interrupted or mixed save); save the model again');
  }
  return card;
}

/**
 * The ONNX export kept in a model folder and the folder's card, or null when the folder holds no
 * export of its current model.json (none written, or one of other weights).
 * @param dir the model folder (holding model.json and card.json)
 * @throws AtomdynError naming card.json when the export is there but the card is missing, invalid or
 *   from another save (the errors `loadModel` gives)
 */
export async function readModelOnnx(dir: string): Promise<{ bytes: Uint8Array; card: ModelCard; file: string } | null> {
  let modelJson: Buffer;
  try {
    modelJson = await fs.readFile(path.join(dir, 'model.json'));
  } catch {
    return null;
  }
  const file = path.join(dir, onnxFileName(modelJson));
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch {
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(modelJson.toString('utf8'));
  } catch {
    return null; // model.json's own error is reported where the model is loaded
  }
  const card = await readModelCard(dir, recordedCardSha256(parsed));
  return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), card, file };
}

/**
 * Write the ONNX export of the folder's model (atomically) and remove the exports of earlier models.
 * @param dir the model folder
 * @param modelJson the bytes (or text) of DIR/model.json as written
 * @param bytes the ONNX ModelProto (models/onnxExport.ts `exportOnnx`), or null to only remove them
 * @returns the file written, or null
 * @throws AtomdynError naming the file when it cannot be written (data/atomicWrite.ts)
 */
export async function writeModelOnnxFile(dir: string, modelJson: Uint8Array | string, bytes: Uint8Array | null): Promise<string | null> {
  const name = onnxFileName(modelJson);
  if (bytes) await writeFileAtomic(path.join(dir, name), bytes);
  for (const f of await fs.readdir(dir)) {
    if (/^network\.[0-9a-f]{16}\.onnx$/.test(f) && (f !== name || !bytes)) await fs.rm(path.join(dir, f), { force: true });
  }
  return bytes ? path.join(dir, name) : null;
}
