/**
 * Crops of the frames around each observed event (a change of configuration of one particle):
 * the frame before and the frame of the change side by side, centred on the particle, contrast
 * stretched on the pair, upscaled for viewing. Written as crops/event_<frame>_<particle>.png, the
 * names the report (report/buildReport.ts) looks for.
 */
import path from 'node:path';
import sharp from 'sharp';
import type { FrameStack } from '../data/frameStack.ts';
import type { Table } from '../data/csvTable.ts';
import { writeFileAtomic } from '../data/atomicWrite.ts';

/**
 * Write one crop pair per event (at most `max`).
 * @param events events.csv rows (frame, particle, x, y; docs/schema.md)
 * @param halfWidthPx half side of the crop in input pixels (about 4 bond lengths)
 * @returns the files written, relative to `dir`
 */
export async function writeEventCrops(dir: string, stack: FrameStack, events: Table, halfWidthPx: number, max = 60): Promise<string[]> {
  const out: string[] = [];
  const r = Math.max(4, Math.round(halfWidthPx));
  const side = 2 * r + 1;
  const scale = Math.max(1, Math.min(8, Math.round(160 / side)));
  for (const e of events.rows.slice(0, max)) {
    const frame = Number(e.frame), x0 = Math.round(Number(e.x)), y0 = Math.round(Number(e.y));
    if (!(frame >= 1 && frame < stack.count) || !Number.isFinite(x0) || !Number.isFinite(y0)) continue;
    const pair = [await stack.readFrame(frame - 1), await stack.readFrame(frame)];
    const crops = pair.map((f) => {
      const c = new Float32Array(side * side);
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const yy = Math.min(stack.height - 1, Math.max(0, y0 - r + y)), xx = Math.min(stack.width - 1, Math.max(0, x0 - r + x));
          c[y * side + x] = f[yy * stack.width + xx];
        }
      }
      return c;
    });
    const all = Float32Array.from([...crops[0], ...crops[1]]).sort();
    const lo = all[Math.floor(0.01 * (all.length - 1))], hi = all[Math.floor(0.995 * (all.length - 1))];
    const gap = 2;
    const w = 2 * side + gap;
    const grey = new Uint8Array(w * side).fill(255);
    crops.forEach((c, k) => {
      for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) grey[y * w + k * (side + gap) + x] = Math.max(0, Math.min(255, Math.round((255 * (c[y * side + x] - lo)) / (hi - lo || 1))));
    });
    const png = await sharp(Buffer.from(grey), { raw: { width: w, height: side, channels: 1 } }).resize(w * scale, side * scale, { kernel: 'nearest' }).png().toBuffer();
    const name = `crops/event_${frame}_${e.particle}.png`;
    await writeFileAtomic(path.join(dir, name), png);
    out.push(name);
  }
  return out;
}
