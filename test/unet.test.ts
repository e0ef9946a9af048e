import { describe, expect, it, beforeAll } from 'vitest';
import { tf, initBackend } from '../models/tensorBackend.ts';
import { buildUNet, countParameters, unetClasses, upsampleBilinear2x } from '../models/unet.ts';
import { AtomdynError } from '../data/errors.ts';

describe('U-Net', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('has the hand-counted number of parameters with AtomAI defaults (3 classes)', () => {
    // conv k x k, cin -> cout: k*k*cin*cout + cout; BN(c): 2c trainable (+2c moving statistics).
    // enc0 1->16: 160 + bn 32                                  = 192
    // enc1 16->32: 4640 + 64, 32->32: 9248 + 64                = 14016
    // enc2 32->64: 18496 + 128, 64->64: 36928 + 128            = 55680
    // bottleneck 64->128: 73856 + 256, 2 x (128->128: 147584 + 256) = 369792
    // up2 1x1 128->64: 8256; dec2 (64+64)->64: 73792 + 128, 64->64: 36928 + 128 = 8256 + 110976
    // up1 1x1 64->32: 2080;  dec1 (32+32)->32: 18464 + 64, 32->32: 9248 + 64   = 2080 + 27840
    // up0 1x1 32->16: 528;   dec0 (16+16)->16: 4624 + 32                        = 528 + 4656
    // logits 1x1 16->3: 51
    // total 192+14016+55680+369792+119232+29920+5184+51 = 594067 (AtomAI's Unet in PyTorch: 594 067)
    const model = buildUNet();
    const n = countParameters(model);
    expect(n.trainable).toBe(594067);
    // moving mean + variance: 2 x (16 + 2*32 + 2*64 + 3*128 + 2*64 + 2*32 + 16) = 1600
    expect(n.total).toBe(594067 + 1600);
    model.dispose();
  });

  it('has the hand-counted number of parameters for a small variant', () => {
    // 8 filters, 2 poolings, one layer per level, no batch norm, 2 classes:
    // enc0 1->8: 80; enc1 8->16: 1168; bottleneck 16->32: 4640; up1 32->16: 528; dec1 32->16: 4624;
    // up0 16->8: 136; dec0 16->8: 1160; logits 8->2: 18. Total 12354.
    const model = buildUNet({ baseFilters: 8, poolings: 2, layersPerLevel: [1, 1, 1], batchNorm: false, classes: 2 });
    expect(countParameters(model)).toEqual({ trainable: 12354, total: 12354 });
    model.dispose();
  });

  it('maps any size divisible by 8 to per-pixel class probabilities', () => {
    const model = buildUNet({ baseFilters: 4, classes: 4 });
    for (const [h, w] of [[16, 24], [40, 8]]) {
      const x = tf.randomNormal([2, h, w, 1], 0, 1, 'float32', 3);
      const p = model.predict(x) as tf.Tensor;
      expect(p.shape).toEqual([2, h, w, 4]);
      const sums = p.sum(-1).dataSync();
      for (const s of sums) expect(s).toBeCloseTo(1, 5);
      tf.dispose([x, p]);
    }
    model.dispose();
  });

  it('is deterministic for a seed', () => {
    const a = buildUNet({ baseFilters: 4, seed: 5 });
    const b = buildUNet({ baseFilters: 4, seed: 5 });
    const c = buildUNet({ baseFilters: 4, seed: 6 });
    const wa = a.getWeights()[0].dataSync();
    expect(Array.from(b.getWeights()[0].dataSync())).toEqual(Array.from(wa));
    expect(Array.from(c.getWeights()[0].dataSync())).not.toEqual(Array.from(wa));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('bilinear upsampling equals resizeBilinear with half-pixel centres', () => {
    const x = tf.randomNormal([2, 5, 3, 2], 0, 1, 'float32', 7) as tf.Tensor4D;
    const ours = upsampleBilinear2x(x);
    const ref = tf.image.resizeBilinear(x, [10, 6], false, true);
    const d = tf.sub(ours, ref).abs().max().dataSync()[0];
    expect(ours.shape).toEqual([2, 10, 6, 2]);
    expect(d).toBeLessThan(1e-5);
    // the upsampled mean equals the input mean (each input pixel's weights sum to 4 output pixels)
    expect(ours.mean().dataSync()[0]).toBeCloseTo(x.mean().dataSync()[0], 5);
    tf.dispose([x, ours, ref]);
  });

  it('names the classes and rejects bad options', () => {
    expect(unetClasses(['C', 'Si'], true)).toEqual(['background', 'C', 'Si', 'other']);
    expect(() => buildUNet({ layersPerLevel: [1, 2] })).toThrow(AtomdynError);
    expect(() => buildUNet({ kernelSize: 4 })).toThrow(/odd/);
    expect(() => buildUNet({ classes: 1 })).toThrow(/classes/);
  });
});
