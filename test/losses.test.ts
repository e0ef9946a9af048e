import { describe, expect, it, beforeAll } from 'vitest';
import { tf, initBackend } from '../models/tensorBackend.ts';
import { medianFrequencyWeights, segmentationLoss, softDiceLoss, weightedCrossEntropy } from '../training/losses.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

// two pixels, two classes: pixel 0 is background predicted 0.8; pixel 1 is class 1 predicted 0.4
const yTrue = () => tf.tensor4d([1, 0, 0, 1], [1, 1, 2, 2]);
const yPred = () => tf.tensor4d([0.8, 0.2, 0.6, 0.4], [1, 1, 2, 2]);
const val = (t: tf.Tensor) => { const v = t.dataSync()[0]; t.dispose(); return v; };

describe('losses', () => {
  it('weighted cross-entropy equals the hand value (PyTorch mean-reduction convention)', () => {
    // unweighted: (-ln 0.8 - ln 0.4) / 2 = (0.223144 + 0.916291) / 2
    expect(val(weightedCrossEntropy(yTrue(), yPred(), [1, 1]))).toBeCloseTo(0.569717, 5);
    // weights [1, 3]: (1 * 0.223144 + 3 * 0.916291) / (1 + 3)
    expect(val(weightedCrossEntropy(yTrue(), yPred(), [1, 3]))).toBeCloseTo(0.743004, 5);
    // a perfect prediction costs (almost) nothing; a zero probability is clipped, not infinite
    expect(val(weightedCrossEntropy(yTrue(), yTrue(), [1, 3]))).toBeLessThan(1e-6);
    const worst = val(weightedCrossEntropy(yTrue(), tf.tensor4d([0, 1, 1, 0], [1, 1, 2, 2]), [1, 1]));
    expect(worst).toBeCloseTo(-Math.log(1e-7), 3);
  });

  it('soft Dice equals the hand value', () => {
    // class 1 only: intersection 0.4, sum(y) 1, sum(p) 0.6: 1 - (0.8 + 1) / (1.6 + 1)
    expect(val(softDiceLoss(yTrue(), yPred()))).toBeCloseTo(1 - 1.8 / 2.6, 6);
    // with background: class 0 dice (1.6 + 1) / (1 + 1.4 + 1); mean of the two
    expect(val(softDiceLoss(yTrue(), yPred(), true))).toBeCloseTo(1 - (2.6 / 3.4 + 1.8 / 2.6) / 2, 6);
    expect(val(softDiceLoss(yTrue(), yTrue()))).toBeCloseTo(0, 6);
  });

  it('combines the two and has a gradient', () => {
    const o = { classWeights: [1, 3], diceWeight: 0.5, diceIncludeBackground: false };
    expect(val(segmentationLoss(yTrue(), yPred(), o))).toBeCloseTo(0.743004 + 0.5 * (1 - 1.8 / 2.6), 5);
    const y = yTrue();
    const g = tf.grad((p: tf.Tensor) => segmentationLoss(y, p, o))(yPred());
    const gv = g.dataSync();
    // raising the true class's probability lowers the loss
    expect(gv[0]).toBeLessThan(0);
    expect(gv[3]).toBeLessThan(0);
    tf.dispose([y, g]);
  });

  it('median-frequency weights', () => {
    const l = new Uint8Array(100);
    l.fill(1, 80, 96);
    l.fill(2, 96);
    // f = 0.8, 0.16, 0.04; median 0.16; w = sqrt(0.16 / f)
    expect(medianFrequencyWeights([l], 3)).toEqual([0.447, 1, 2]);
    expect(medianFrequencyWeights([l], 4)[3]).toBe(10);
  });
});
