/**
 * PNG and JPEG reader through `sharp` (libvips): one frame, greyscale. 8- and 16-bit PNGs keep their
 * values (0-255 or 0-65535). Colour images become luminance Y = 0.299 R + 0.587 G + 0.114 B
 * (ITU-R BT.601), and the metadata says so; an alpha channel is ignored. Print resolution (DPI,
 * pHYs) is not a specimen scale, so the pixel size is unknown.
 */
import sharp from 'sharp';

type SharpMetadata = Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
import { AtomdynError } from '../errors.ts';
import { protectInput } from '../atomicWrite.ts';
import type { FrameStack } from '../frameStack.ts';
import { createFrameStack, checkShape, noCalibration, type ReaderMetadata } from './stackBase.ts';

/**
 * Open a PNG or JPEG image as a one-frame stack.
 * @param format 'png' or 'jpeg' (from the file's magic bytes)
 * @throws AtomdynError when sharp cannot decode the file (truncated, corrupt)
 */
export async function openRaster(path: string, format: 'png' | 'jpeg'): Promise<FrameStack> {
  protectInput(path);
  let info: SharpMetadata;
  try {
    info = await sharp(path, { failOn: 'error', limitInputPixels: 2 ** 28 }).metadata();
  } catch (e) {
    throw new AtomdynError(path, `cannot read ${format.toUpperCase()}: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  const width = info.width ?? 0;
  const height = info.height ?? 0;
  checkShape(path, 1, height, width);
  const sixteen = info.depth === 'ushort';
  const channels = info.channels ?? 1;
  const colour = channels >= 3;
  const warnings: string[] = [];
  if (colour) warnings.push(`colour ${format.toUpperCase()} converted to luminance 0.299 R + 0.587 G + 0.114 B`);
  if (info.hasAlpha) warnings.push('alpha channel ignored');
  const summary: Record<string, string> = {
    image: `${width} x ${height}, ${channels} channel${channels === 1 ? '' : 's'} (${info.space ?? 'unknown space'}), ${sixteen ? 16 : 8}-bit`,
  };
  if (info.density) summary['print resolution'] = `${info.density} dpi (not a specimen scale)`;
  const metadata: ReaderMetadata = {
    summary,
    warnings,
    original: { format: info.format, width, height, channels, depth: info.depth, space: info.space, density: info.density, hasAlpha: info.hasAlpha },
  };
  return createFrameStack({
    path,
    format,
    count: 1,
    height,
    width,
    dtype: sixteen ? 'uint16' : 'uint8',
    calibration: noCalibration(`no specimen calibration in a ${format.toUpperCase()} file`, 'single image, no frame time'),
    metadata,
    decodeFrame: async () => {
      let raw: { data: Buffer; info: { channels: number } };
      try {
        // Ask for the file's own colour space and depth; sharp's default raw output is 8-bit sRGB.
        const space = colour ? (sixteen ? 'rgb16' : 'srgb') : sixteen ? 'grey16' : 'b-w';
        raw = await sharp(path, { failOn: 'error', limitInputPixels: 2 ** 28 })
          .toColourspace(space)
          .raw({ depth: sixteen ? 'ushort' : 'uchar' })
          .toBuffer({ resolveWithObject: true });
      } catch (e) {
        throw new AtomdynError(path, `cannot decode ${format.toUpperCase()}: ${(e as Error).message.split('\n')[0]}`, { cause: e });
      }
      const ch = raw.info.channels;
      const n = width * height;
      const buf = sixteen && raw.data.byteOffset % 2 !== 0 ? Buffer.from(raw.data) : raw.data;
      const src = sixteen
        ? new Uint16Array(buf.buffer, buf.byteOffset, buf.byteLength / 2)
        : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      const out = new Float32Array(n);
      if (ch >= 3) for (let i = 0; i < n; i++) out[i] = 0.299 * src[i * ch] + 0.587 * src[i * ch + 1] + 0.114 * src[i * ch + 2];
      else for (let i = 0; i < n; i++) out[i] = src[i * ch];
      return out;
    },
  });
}
