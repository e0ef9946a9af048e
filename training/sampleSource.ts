/**
 * The interface between the simulator (training data) and the training loop: a source of labelled
 * images. The simulator implements it (training/simulatedSource.ts, running in a worker thread so
 * simulation overlaps the network); a saved set on disk implements it too.
 */

/** A ground-truth atom (column) of a simulated image; coordinates per docs/schema.md. */
export interface LabelAtom {
  /** Column position, pixels (pixel centres at integers). */
  x: number;
  /** Row position, pixels. */
  y: number;
  /** Model class name (e.g. 'C', 'Si', 'metal', 'chalcogen'). */
  species: string;
  /** Chemistry of the column (e.g. 'C', 'Si', 'W', 'Se2'). */
  element: string;
  /** Atomic number of the heaviest atom in the column. */
  z: number;
}

/** One labelled image. */
export interface TrainingSample {
  /** Raw simulated detector signal, float32 `[height * width]`, row-major, NOT normalised. */
  image: Float32Array;
  /**
   * Per-pixel class index, uint8 `[height * width]`: 0 = background, k = 1..S for `species[k-1]`
   * of the source, S+1 = 'other' (bright contamination) when the source has that channel.
   */
  labels: Uint8Array;
  /** Rows. */
  height: number;
  /** Columns. */
  width: number;
  /** Every atom in the image (also those whose mask is clipped by the border). */
  atoms: LabelAtom[];
}

/** A stream of labelled images at a fixed pixel size. */
export interface SampleSource {
  /** Class names for label values 1..S, in order (e.g. ['C', 'Si']). */
  readonly species: string[];
  /** Species name -> element (e.g. { C: 'C', Si: 'Si' }). */
  readonly elements: Record<string, string>;
  /** True when label value S+1 ('other', contamination) is used. */
  readonly hasOther: boolean;
  /** Pixel size of every sample, pm. */
  readonly pixelSizePm: number;
  /** The next sample; deterministic for the source's seed and call order. */
  next(): Promise<TrainingSample>;
  /** Stop workers and free resources. Idempotent. */
  close(): Promise<void>;
}
