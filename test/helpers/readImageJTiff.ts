/**
 * Test helper: read the frames of a float32 ImageJ hyperstack TIFF with utif2 (used until
 * data/openFrames.ts is on main). Not a general reader.
 */
import UTIF from 'utif2';
import { readFileSync } from 'node:fs';

/** Frames of a float32 multi-page TIFF, each row-major [height * width]. */
export function readFloatTiffFrames(file: string): { width: number; height: number; frames: Float32Array[] } {
  const buf = readFileSync(file);
  const ifds = UTIF.decode(buf);
  const frames: Float32Array[] = [];
  let width = 0;
  let height = 0;
  for (const ifd of ifds) {
    UTIF.decodeImage(buf, ifd);
    width = ifd.width;
    height = ifd.height;
    const d = ifd.data as Uint8Array;
    const bps = (ifd['t258'] as number[] | undefined)?.[0];
    const fmt = (ifd['t339'] as number[] | undefined)?.[0];
    if (bps !== 32 || fmt !== 3) throw new Error(`${file}: expected float32 pages, found ${bps}-bit format ${fmt}`);
    frames.push(new Float32Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength)));
  }
  return { width, height, frames };
}
