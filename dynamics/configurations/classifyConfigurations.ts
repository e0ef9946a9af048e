/**
 * Classification of local configurations: the library function behind `atomdyn classify`.
 *
 * From atoms (atoms.csv or tracks.csv rows) to one row per centre and frame: its complex and formula
 * (dynamics/configurations/chemistry.ts), its class (state) from a mixture model, its orientation relative to the
 * class (rotation, mirror) and the posterior probability.
 *
 * Steps:
 * 1. Per frame (describeCentres.ts): positions in pm (px when uncalibrated), the bond graph and
 *    complexes, the host lattice's orientation from host-host bond directions, and the centres
 *    (default: the model card's dopant, else the rarest species).
 * 2. Descriptors: neighbour vectors with species (dynamics/configurations/neighbourDescriptors.ts), or circular
 *    sub-images of the frames reduced by PCA (dynamics/configurations/subImages.ts, numerics/pca.ts), in the
 *    lattice frame.
 * 3. Method: `sym-gmm` (transformation-invariant mixture over the point group,
 *    dynamics/configurations/symmetricMixture.ts; the default), `gmm` (plain Gaussian mixture on descriptors in one
 *    matched neighbour order, dynamics/configurations/gaussianMixture.ts) or `kmeans` (ml-kmeans, optionally after
 *    PCA: local crystallography of Belianinov et al., Nat. Commun. 6, 7801 (2015)).
 * 4. K: given, or `auto` by BIC on one instance per dwell segment (dynamics/configurations/modelSelection.ts), then
 *    refitted on every instance.
 * 5. Classes are named by their formula where unambiguous.
 */
import { kmeans } from 'ml-kmeans';
import type { FrameStack } from '../../data/frameStack.ts';
import { AtomdynError } from '../../data/errors.ts';
import { silentProgress, type ProgressSink } from '../../data/progress.ts';
import { type AtomRecord, groupByFrame, chooseCentres, isCentre, DOPANT_MAX_FRACTION, type CentreChoice } from './centres.ts';
import { grapheneSiCutoffs, hostElement, pairKey, type BondCutoffs } from './chemistry.ts';
import { alignToCommonTemplate, matchToTemplate, selectChannels, strideOf, type DescriptorSpec } from './neighbourDescriptors.ts';
import { pointGroup, type PointGroup, type SymmetryOp } from './pointGroups.ts';
import { nameClasses } from './classNames.ts';
import { SymmetricMixture, NeighbourViews, PrecomputedViews, type SymmetricMixtureModel, type TransformedViews } from './symmetricMixture.ts';
import { GaussianMixture, type GaussianMixtureModel, type CovarianceType } from './gaussianMixture.ts';
import { PCA, type PCAJSON, type PCAModel } from '../../numerics/pca.ts';
import { cutWindow, windowFeatures, windowMask, windowSide, transformWindow, featuresToWindow, type WindowSpec } from './subImages.ts';
import { dwellSegments, segmentRepresentatives, selectByBic, type BicPoint, type DwellSegments, type FitReport } from './modelSelection.ts';
import { AssignmentWorkspace } from '../../numerics/linearAssignment.ts';
import { Random } from '../../data/random.ts';
import { describeCentres, type CentreInstance, type ComplexSummary, type ConfigurationRow } from './describeCentres.ts';
import { applyFittedClassifier, classMeans, type ClassifyMethod, type FitOutcome, type FittedNeighbourClassifier } from './fittedClassifier.ts';
import { bondLengthPm, pixelSizeFromBonds } from '../../inference/latticeScale.ts';

export type { ClassifyMethod, ConfigurationRow };

/**
 * A fitted classifier to apply instead of fitting one (configurationModel.ts): its descriptor
 * layout, units and class names are used as they are.
 */
export interface AppliedClassifier extends Omit<FittedNeighbourClassifier, 'group'> {
  /** Point group name. */
  pointGroup: string;
  /** Descriptor units of the model and the pm per px of the movie it was fitted on. */
  units: 'pm' | 'px';
  scalePmPerPx: number;
  /** Neighbours farther than this are not used (descriptor units). */
  rMax: number;
  speciesChannels: string[];
  /** Channel value of a non-host neighbour (descriptor units). */
  speciesWeight: number;
  /** Largest distance per neighbour species (descriptor units), or null when one radius `rMax` holds for all. */
  radiusBySpecies: Record<string, number> | null;
  classNames: string[];
}

/** Examples per class the class gallery shows (report/classGallery.ts) by default. */
export const GALLERY_EXAMPLES = 6;

/**
 * The members of class `k` by decreasing probability (ties in instance order).
 * @param instances the classified instances (ClassifyResult `instances`)
 * @param k the class index
 * @returns instance indices into `instances`
 */
export function membersByProbability(instances: ReadonlyArray<{ state: number; probability: number }>, k: number): number[] {
  const members: number[] = [];
  instances.forEach((inst, u) => {
    if (inst.state === k) members.push(u);
  });
  return members.sort((a, b) => instances[b].probability - instances[a].probability);
}

/**
 * The examples the class gallery shows of class `k`: its members by decreasing probability
 * ({@link membersByProbability}), every ⌈n / examples⌉-th, at most `examples`, so that they span the class
 * from its clearest members to its least certain.
 * @param instances the classified instances (ClassifyResult `instances`)
 * @param k the class index
 * @param examples how many at most
 * @param members the class's members as {@link membersByProbability} gives them (computed when omitted)
 * @returns instance indices into `instances`
 */
export function classExamples(instances: ReadonlyArray<{ state: number; probability: number }>, k: number, examples = GALLERY_EXAMPLES, members = membersByProbability(instances, k)): number[] {
  const step = Math.max(1, Math.ceil(members.length / examples));
  return members.filter((_, i) => i % step === 0).slice(0, examples);
}

/** Settings of {@link classifyConfigurations}. Lengths in pm. */
export interface ClassifyOptions {
  /** `--centre`: 'all', species/element names (comma-separated), or undefined for the default. */
  centre?: string;
  /** Default 'sym-gmm'. */
  method?: ClassifyMethod;
  /** Number of classes, or 'auto' (BIC); default 'auto'. */
  classes?: number | 'auto';
  /** Largest K tried by 'auto'; default 6 (fewer when there are fewer independent instances). */
  maxClasses?: number;
  /** Point group of the host lattice; default '6mm'. */
  pointGroup?: string;
  /**
   * Covariance type; default 'diag': with one instance per dwell segment a movie gives only tens of
   * independent instances, too few for a full covariance per class (BIC then merges classes).
   */
  covarianceType?: CovarianceType;
  /** Seed; default 0. */
  seed?: number;
  /** Initialisations per fit; default 3. */
  nInit?: number;
  /** 'neighbours' (default) or 'image' (sub-images; needs frames). */
  descriptor?: 'neighbours' | 'image';
  /** Neighbour slots; default 4. */
  neighbours?: number;
  /** Neighbours farther than this are not used, pm; default the largest bond cut-off involving a centre element. */
  neighbourRadiusPm?: number;
  /** Channel value of a non-host neighbour, pm; default 100. */
  speciesWeightPm?: number;
  /** Sub-image radius, pm; default 300. */
  windowRadiusPm?: number;
  /** Sub-image grid points per radius; default 12. */
  windowSamples?: number;
  /** Examples per class whose sub-images are kept for the gallery ({@link classExamples}); default {@link GALLERY_EXAMPLES}. */
  galleryExamples?: number;
  /** PCA components before fitting: default 10 for images, none for neighbours. 0 = no PCA. */
  pcaComponents?: number;
  /** Covariance regularisation in descriptor units squared; default (0.02 rMax)² for neighbours, 1e-3 for PCA scores of z-scored images. */
  regCovar?: number;
  /**
   * Under 'auto', a K whose smallest class holds less than this fraction of the (independent)
   * instances, or fewer than 2, is not eligible (outliers, not a configuration); default 0.03; 0 turns
   * the rule off.
   */
  minClassFraction?: number;
  /** How 'auto' corrects the sample size: 'segments' (default), 'effective', or 'all' (no correction). */
  bicSamples?: 'segments' | 'effective' | 'all';
  /** Bond cut-offs (pm); default from the model card, else graphene/Si defaults. */
  cutoffs?: BondCutoffs;
  /** Align descriptors to the host lattice's measured orientation ('lattice', default) or keep image axes ('image'). */
  orientation?: 'lattice' | 'image';
  /** Progress reporting. */
  progress?: ProgressSink;
  /**
   * Apply this fitted classifier instead of fitting (neighbour descriptors only): `method`,
   * `classes`, `pointGroup`, `neighbours`, `descriptor` and the K selection are then the model's.
   */
  apply?: AppliedClassifier;
}

/** What is being classified. */
export interface ClassifyInput {
  /** Atoms of every frame. */
  atoms: AtomRecord[];
  /** Pixel size, pm; null when unknown (then derived from the host lattice, with a warning). */
  pixelSizePm: number | null;
  /** Frames for sub-images and the gallery; optional. */
  frames?: FrameStack | null;
  /** Frame size when known without frames (from run.json), for the edge test. */
  frameSize?: { width: number; height: number } | null;
  /** The model card (run.json model.card), for the dopant and bond lengths. */
  card?: unknown;
}

/** A classified instance with what the gallery needs. */
export interface ClassifiedInstance {
  /** Row in `rows`. */
  row: number;
  frame: number;
  x: number;
  y: number;
  /** Descriptor aligned onto its class mean (neighbour layout, descriptor units), or null for image descriptors. */
  aligned: Float64Array | null;
  /** Operation (index in the group) aligning the instance to its class (0 for plain methods). */
  alignOp: number;
  /** Lattice orientation of its frame, radians. */
  latticeAngleRad: number;
  state: number;
  probability: number;
}

/** Summary of one class. */
export interface ClassSummary {
  index: number;
  name: string;
  weight: number;
  count: number;
  /** Formula -> instances. */
  formulas: Record<string, number>;
  /** Own symmetry as operations (sym-gmm), e.g. [{rotationDeg: 0, mirror: false}, ...]. */
  symmetry: Array<{ rotationDeg: number; mirror: boolean }>;
  /** Mean descriptor in neighbour layout (descriptor units), when neighbour descriptors were used. */
  meanNeighbours: number[] | null;
}

/** The fitted classifier and the descriptor layout it was fitted in (model.json without `kind`, `classes`, `settings`). */
export interface ClassifierSummary {
  method: ClassifyMethod;
  descriptor: 'neighbours' | 'image';
  /** Descriptor units: pm, or px of the fitted movie when uncalibrated. */
  units: 'pm' | 'px';
  /** pm per px of the movie the classifier was fitted on. */
  scalePmPerPx: number;
  pointGroup: string;
  /** Neighbour slots `k`, values per slot `stride`, channels, radius and channel value (descriptor units). */
  layout: { k: number; stride: number; speciesChannels: string[]; rMax: number; speciesWeight: number; radiusBySpecies: Record<string, number> | null };
  /** Sub-image geometry when frames were given. */
  window: WindowSpec | null;
  /** Plain methods on neighbours: the common slot order (k * stride values). */
  template: number[] | null;
  /** PCA before the fit (image descriptors, or `pcaComponents` on neighbours). */
  pca: PCAJSON | null;
  classNames: string[];
  /** The mixture (or k-means centroids) as JSON; null when nothing was classified. */
  fit: FittedNeighbourClassifier['fit'] | null;
  bic: BicPoint[] | null;
  k: number;
}

/** Everything {@link classifyConfigurations} returns. */
export interface ClassifyResult {
  rows: ConfigurationRow[];
  instances: ClassifiedInstance[];
  classes: ClassSummary[];
  /** The fitted classifier with its descriptor layout (model.json, docs/schema.md). */
  model: ClassifierSummary;
  /** BIC curve when K was chosen automatically. */
  bic: BicPoint[] | null;
  k: number;
  /** 'pm' or 'px'. */
  units: 'pm' | 'px';
  /** pm per px used internally (given or lattice-derived); null when neither. */
  scalePmPerPx: number;
  /** How the pixel size was obtained. */
  scaleOrigin: 'given' | 'lattice';
  centres: CentreChoice;
  /** Complexes found per frame. */
  complexes: ComplexSummary[];
  /** Neighbour descriptor layout (slots, stride, channel names). */
  layout: { k: number; stride: number; speciesChannels: string[] };
  /** Window geometry when sub-images were cut. */
  window: WindowSpec | null;
  /**
   * Sub-images for the class gallery, each instance's seen under its alignment operation (values are
   * z-scores of the frame, NaN outside the circle); null without frames. `mean[k]`: the mean of class k's
   * aligned windows, pixel by pixel over the members covering it (NaN where none does); `examples`: the
   * aligned windows of the instances {@link classExamples} picks per class (instance index -> window).
   * Only these are kept, not one window per instance, so the result does not grow with the movie.
   */
  windows: { spec: WindowSpec; side: number; mean: Float32Array[]; examples: Map<number, Float32Array> } | null;
  /** Point group used. */
  group: PointGroup;
  warnings: string[];
  /** The settings after defaults. */
  settings: Record<string, unknown>;
}


type Instance = CentreInstance;

/**
 * Classify every centre of every frame.
 * @throws AtomdynError for unusable input: no atoms, no centres, no pixel size and no lattice to
 *   derive one, image descriptors without frames, an unknown point group, K larger than the instances
 */
export async function classifyConfigurations(input: ClassifyInput, options: ClassifyOptions = {}): Promise<ClassifyResult> {
  const progress = options.progress ?? silentProgress;
  const warnings: string[] = [];
  const applied = options.apply ?? null;
  const method = applied ? applied.method : options.method ?? 'sym-gmm';
  if (!['sym-gmm', 'gmm', 'kmeans'].includes(method)) throw AtomdynError.forOption('method', `unknown method '${method}' (sym-gmm, gmm or kmeans)`);
  let group: PointGroup;
  try {
    group = pointGroup(applied ? applied.pointGroup : options.pointGroup ?? '6mm');
  } catch (e) {
    throw AtomdynError.forOption('pointGroup', (e as Error).message);
  }
  const covarianceType = options.covarianceType ?? 'diag';
  if (!['full', 'diag', 'spherical'].includes(covarianceType)) throw AtomdynError.forOption('covarianceType', `unknown covariance type '${covarianceType}' (full, diag or spherical)`);
  const seed = options.seed ?? 0;
  const nInit = options.nInit ?? 3;
  const descriptorKind = applied ? 'neighbours' : options.descriptor ?? 'neighbours';
  if (descriptorKind === 'image' && !input.frames) throw AtomdynError.forOption('descriptor', 'image descriptors need the frames (`frames`)');
  if (input.atoms.length === 0) throw new AtomdynError('', 'the table holds no atoms');

  // --- centres, host, cut-offs, scale
  const centres = chooseCentres(input.atoms, options.centre, input.card);
  // loops over the atoms rather than arrays of one entry per atom: a long movie's atoms are many (issue 24)
  const host = hostElement(input.atoms);
  // a compound lattice (MX2, point group 3m / -6m2): every element of at least 10 % of the atoms is a
  // host element, so that a complex (and its formula) never spans the whole lattice
  const compound = /^(3m|-6m2)$/.test(options.pointGroup ?? '') || /^(3m|-6m2)$/.test(applied?.pointGroup ?? '');
  const elementCounts = new Map<string, number>();
  for (const a of input.atoms) elementCounts.set(a.element, (elementCounts.get(a.element) ?? 0) + 1);
  const hostElements = compound ? [host, ...[...elementCounts].filter(([e, n]) => e !== host && n >= DOPANT_MAX_FRACTION * input.atoms.length).map(([e]) => e).sort()] : undefined;
  const cutoffs = options.cutoffs ?? grapheneSiCutoffs();
  const hostSpecies = new Set<string>();
  const speciesSeen = new Set<string>();
  for (const a of input.atoms) {
    speciesSeen.add(a.species);
    if (a.element === host) hostSpecies.add(a.species);
  }
  const speciesChannels = applied ? [...applied.speciesChannels] : [...speciesSeen].filter((s) => !hostSpecies.has(s)).sort();
  const frames = groupByFrame(input.atoms);
  let scale: number;
  let scaleOrigin: 'given' | 'lattice';
  if (input.pixelSizePm !== null && input.pixelSizePm > 0) {
    scale = input.pixelSizePm;
    scaleOrigin = 'given';
  } else {
    const derived = deriveScale(frames, host);
    if (derived === null) {
      throw AtomdynError.forOption('pixelSizePm', `the pixel size is unknown and cannot be derived from the lattice (needs ${host}-${host} bonds of a known length, models/materials.ts); give \`pixelSizePm\``);
    }
    scale = derived;
    scaleOrigin = 'lattice';
    warnings.push(`pixel size unknown: ${scale.toFixed(2)} pm/px derived from the ${host}-${host} bond length (${bondLengthPm(null, host)} pm); neighbour vectors are in px`);
  }
  // descriptor units: pm, or (uncalibrated) px of the movie the classifier was fitted on
  const units: 'pm' | 'px' = applied ? applied.units : scaleOrigin === 'given' ? 'pm' : 'px';
  const pxOfFit = applied ? applied.scalePmPerPx : scale;
  const toUnits = units === 'pm' ? scale : scale / pxOfFit; // multiply px by this to get descriptor units
  const pmToUnits = units === 'pm' ? 1 : 1 / pxOfFit;
  if (centres.note) warnings.push(`${centres.note} (give --centre to choose centre atoms)`);
  const centreElements = new Set<string>();
  for (const a of input.atoms) if (isCentre(a, centres)) centreElements.add(a.element);
  if (centreElements.size === 0 && !centres.note) throw AtomdynError.forOption('centre', `no centre atoms (${centres.all ? 'all' : centres.names.join(', ')}) in the table`);
  let rMaxPm = options.neighbourRadiusPm ?? 0;
  if (!rMaxPm) {
    for (const [key, cut] of cutoffs) {
      const [a, b] = key.split('-');
      if (centreElements.has(a) || centreElements.has(b)) rMaxPm = Math.max(rMaxPm, cut);
    }
    if (!rMaxPm) rMaxPm = Math.max(...cutoffs.values());
  }
  // per neighbour species: the largest bond cut-off between a centre element and that species' element
  let radiusBySpecies: Record<string, number> | undefined;
  if (!options.neighbourRadiusPm) {
    radiusBySpecies = {};
    const elementOf = new Map<string, string>();
    for (const a of input.atoms) elementOf.set(a.species, a.element);
    for (const [sp, el] of elementOf) {
      let r = 0;
      for (const ce of centreElements) r = Math.max(r, cutoffs.get(pairKey(ce, el)) ?? 0);
      radiusBySpecies[sp] = r * pmToUnits;
    }
  }
  const spec: DescriptorSpec = applied
    ? { k: applied.slots, rMax: applied.rMax, radiusBySpecies: applied.radiusBySpecies ?? undefined, speciesChannels, speciesWeight: applied.speciesWeight }
    : { k: options.neighbours ?? 4, rMax: rMaxPm * pmToUnits, radiusBySpecies, speciesChannels, speciesWeight: (options.speciesWeightPm ?? 100) * pmToUnits };
  if (applied) rMaxPm = applied.rMax / pmToUnits;
  if (!(Number.isInteger(spec.k) && spec.k >= 1 && spec.k <= 12)) throw AtomdynError.forOption('neighbours', `must be an integer 1..12, got ${spec.k}`);
  let stride = strideOf(spec);
  const hostCut = cutoffs.get(pairKey(host, host)) ?? 1.25 * (bondLengthPm(null, host) ?? 150);
  const frameSize = input.frames ? { width: input.frames.width, height: input.frames.height } : input.frameSize ?? null;

  // --- per frame: chemistry, orientation, descriptors
  const marginPm = Math.max(rMaxPm, descriptorKind === 'image' ? options.windowRadiusPm ?? 300 : 0);
  const { rows, instances, complexes } = describeCentres(frames, {
    scale, toUnits, pmToUnits, cutoffs, host, hostElements, hostCutPm: hostCut, group, centres, spec,
    orientation: options.orientation ?? 'lattice', frameSize, marginPm,
  }, progress, warnings);
  // species channels that are 0 for every centre carry no information: drop them (not when
  // applying a fitted classifier, whose layout is fixed)
  if (!applied) {
    const keep = spec.speciesChannels.map((_, c) => c).filter((c) => instances.some((inst) => inst.valid && Array.from({ length: spec.k }, (_, j) => inst.neighbours[j * stride + 2 + c]).some((v) => v !== 0)));
    if (keep.length < spec.speciesChannels.length) {
      const packed = selectChannels(instances.map((i) => i.neighbours), spec.k, stride, keep);
      instances.forEach((inst, i) => (inst.neighbours = packed[i]));
      spec.speciesChannels = keep.map((c) => spec.speciesChannels[c]);
      stride = strideOf(spec);
    }
  }
  const used = instances.filter((i) => i.valid);
  if (used.length === 0) {
    warnings.push(rows.length ? `none of the ${rows.length} centre(s) could be classified` : 'no centres: nothing was classified');
    return {
      rows,
      instances: [],
      classes: [],
      model: {
        method, descriptor: descriptorKind, units, scalePmPerPx: pxOfFit, pointGroup: group.name,
        layout: { k: spec.k, stride, speciesChannels: spec.speciesChannels, rMax: spec.rMax, speciesWeight: spec.speciesWeight, radiusBySpecies: spec.radiusBySpecies ?? null },
        window: null, template: null, pca: null, classNames: [], fit: null, bic: null, k: 0,
      },
      bic: null,
      k: 0,
      units,
      scalePmPerPx: scale,
      scaleOrigin,
      centres,
      complexes,
      layout: { k: spec.k, stride, speciesChannels: spec.speciesChannels },
      window: null,
      windows: null,
      group,
      warnings,
      settings: { method, classes: options.classes ?? 'auto', pointGroup: group.name, covarianceType, seed, descriptor: descriptorKind, host, centres: centres.all ? 'all' : centres.names, centreOrigin: centres.origin },
    };
  }

  // --- image descriptors
  let windowSpec: WindowSpec | null = null;
  let imageViews: Float64Array[] | null = null; // per used instance, |G| * q
  let pcaModel: PCAModel | null = null;
  let imageSelf: ((ref: Float64Array, h: number) => number) | null = null;
  let rawWindows: Float32Array[][] | null = null; // per used instance, per op
  if (input.frames) windowSpec = { radiusPx: (options.windowRadiusPm ?? 300) / scale, samples: options.windowSamples ?? 12 };
  if (descriptorKind === 'image') {
    const raw: Float32Array[][] = new Array(used.length);
    await cutWindows(input.frames!, used, windowSpec!, () => [...group.ops], progress, warnings, (u, w) => (raw[u] = w));
    rawWindows = raw;
  }
  if (descriptorKind === 'image') {
    const mask = windowMask(windowSpec!);
    const q0 = options.pcaComponents ?? 10;
    const G = group.ops.length;
    const feats = rawWindows!.map((ws) => ws.map((w) => windowFeatures(w, mask)));
    const fitIdx = new Random(seed).shuffle(used.map((_, i) => i)).slice(0, Math.max(2, Math.min(used.length, Math.floor(1500 / G))));
    const fitRows = fitIdx.flatMap((i) => (method === 'sym-gmm' ? feats[i] : [feats[i][0]]).map((f) => Array.from(f)));
    const q = Math.min(q0 || fitRows[0].length, fitRows.length - 1, fitRows[0].length);
    pcaModel = new PCA({ nComponents: Math.max(1, q) }).fit(fitRows);
    const pm = pcaModel;
    imageViews = feats.map((fs) => {
      const out = new Float64Array(G * pm.nComponents);
      fs.forEach((f, g) => out.set(pm.transformOne(f), g * pm.nComponents));
      return out;
    });
    imageSelf = (ref, h) => {
      const w = featuresToWindow(pm.inverseTransform([Array.from(ref)])[0], mask);
      const t = windowFeatures(transformWindow(w, windowSpec!, group.ops[h]), mask, NaN);
      const back = new Float64Array(t.length);
      const orig = windowFeatures(w, mask);
      for (let i = 0; i < t.length; i++) back[i] = Number.isNaN(t[i]) ? orig[i] : t[i];
      const r = pm.transformOne(back);
      let s = 0;
      for (let i = 0; i < r.length; i++) s += (r[i] - ref[i]) ** 2;
      return Math.sqrt(s / r.length);
    };
  }

  // --- fit
  const regCovar = options.regCovar ?? (descriptorKind === 'image' ? 1e-3 : (0.02 * spec.rMax) ** 2);
  const classesOpt = options.classes ?? 'auto';
  const timed = used.map((i) => ({ particle: i.atom.particle, frame: i.atom.frame }));
  const fitted = applied
    ? applyFittedClassifier(used.map((u) => u.neighbours), { ...applied, group })
    : fitMethod({
    method,
    used,
    spec,
    stride,
    group,
    imageViews,
    imageSelf,
    imageDim: pcaModel?.nComponents ?? 0,
    covarianceType,
    regCovar,
    seed,
    nInit,
    classesOpt,
    maxClasses: options.maxClasses ?? 6,
    bicSamples: options.bicSamples ?? 'segments',
    timed,
    pcaComponents: descriptorKind === 'neighbours' ? options.pcaComponents ?? 0 : 0,
    minClassFraction: options.minClassFraction ?? 0.03,
    warnings,
    progress,
  });

  // --- names and rows
  const K = fitted.k;
  const states = fitted.states;
  const names = applied ? [...applied.classNames] : nameClasses(states, used.map((i) => i.formula), K);
  const classified: ClassifiedInstance[] = [];
  used.forEach((inst, u) => {
    const row = rows[inst.row];
    row.state = states[u];
    row.state_name = names[states[u]];
    row.probability = fitted.probability[u];
    if (fitted.rotation) {
      row.rotation = fitted.rotation[u];
      row.mirror = fitted.mirror![u];
    }
    classified.push({
      row: inst.row,
      frame: inst.atom.frame,
      x: inst.atom.x,
      y: inst.atom.y,
      aligned: fitted.aligned[u],
      alignOp: fitted.alignOp[u],
      latticeAngleRad: inst.latticeAngleRad,
      state: states[u],
      probability: fitted.probability[u] ?? 1,
    });
  });
  const classes: ClassSummary[] = Array.from({ length: K }, (_, k) => {
    const members = used.map((_, u) => u).filter((u) => states[u] === k);
    const formulas: Record<string, number> = {};
    for (const u of members) {
      const f = used[u].formula ?? '';
      formulas[f] = (formulas[f] ?? 0) + 1;
    }
    return {
      index: k,
      name: names[k],
      weight: fitted.weights[k],
      count: members.length,
      formulas,
      symmetry: (fitted.stabilisers?.[k] ?? [0]).map((h) => ({ rotationDeg: group.ops[h].rotationDeg, mirror: group.ops[h].mirror })),
      meanNeighbours: fitted.meanNeighbours?.[k] ?? null,
    };
  });
  // aligned sub-images for the gallery: each instance seen under its alignment operation, summed into
  // its class's mean (in instance order) and kept only for the class's examples
  let windows: ClassifyResult['windows'] = null;
  if (input.frames && windowSpec) {
    const side = windowSide(windowSpec);
    const sum = Array.from({ length: K }, () => new Float64Array(side * side));
    const cnt = Array.from({ length: K }, () => new Float64Array(side * side));
    const shown = new Set<number>();
    for (let k = 0; k < K; k++) for (const u of classExamples(classified, k, options.galleryExamples ?? GALLERY_EXAMPLES)) shown.add(u);
    const examples = new Map<number, Float32Array>();
    const take = (u: number, w: Float32Array): void => {
      const sk = sum[states[u]];
      const ck = cnt[states[u]];
      for (let i = 0; i < w.length; i++) {
        if (Number.isNaN(w[i])) continue;
        sk[i] += w[i];
        ck[i]++;
      }
      if (shown.has(u)) examples.set(u, w);
    };
    if (rawWindows) used.forEach((_, u) => take(u, rawWindows![u][fitted.alignOp[u]]));
    else await cutWindows(input.frames, used, windowSpec, (u) => [group.ops[fitted.alignOp[u]]], progress, warnings, (u, w) => take(u, w[0]));
    const mean = sum.map((sk, k) => Float32Array.from(sk, (v, i) => (cnt[k][i] ? v / cnt[k][i] : NaN)));
    windows = { spec: windowSpec, side, mean, examples };
  }
  return {
    rows,
    instances: classified,
    classes,
    model: {
      method,
      descriptor: descriptorKind,
      units,
      scalePmPerPx: pxOfFit,
      pointGroup: group.name,
      layout: { k: spec.k, stride, speciesChannels: spec.speciesChannels, rMax: spec.rMax, speciesWeight: spec.speciesWeight, radiusBySpecies: spec.radiusBySpecies ?? null },
      window: windowSpec,
      template: fitted.template ? Array.from(fitted.template) : null,
      pca: pcaModel?.toJSON() ?? fitted.pca?.toJSON() ?? null,
      classNames: names,
      fit: fitted.modelJSON as ClassifierSummary['fit'],
      bic: fitted.bic,
      k: K,
    },
    bic: fitted.bic,
    k: K,
    units,
    scalePmPerPx: scale,
    scaleOrigin,
    centres,
    complexes,
    layout: { k: spec.k, stride, speciesChannels: spec.speciesChannels },
    window: windowSpec,
    windows,
    group,
    warnings,
    settings: {
      method,
      classes: classesOpt,
      maxClasses: options.maxClasses ?? 6,
      pointGroup: group.name,
      covarianceType,
      seed,
      nInit,
      descriptor: descriptorKind,
      neighbours: spec.k,
      neighbourRadiusPm: rMaxPm,
      speciesWeightPm: options.speciesWeightPm ?? 100,
      windowRadiusPm: windowSpec ? windowSpec.radiusPx * scale : null,
      regCovar,
      bicSamples: options.bicSamples ?? 'segments',
      minClassFraction: options.minClassFraction ?? 0.03,
      orientation: options.orientation ?? 'lattice',
      cutoffsPm: Object.fromEntries(cutoffs),
      host,
      centres: centres.all ? 'all' : centres.names,
      centreOrigin: centres.origin,
    },
  };
}

/**
 * Pixel size from the host lattice's bonds (inference/latticeScale.ts, the one module for lattice-derived
 * scales; the bond length comes from models/materials.ts). Returns null without enough host atoms.
 */
function deriveScale(frames: ReturnType<typeof groupByFrame>, host: string): number | null {
  const bond = bondLengthPm(null, host);
  if (!bond) return null;
  return pixelSizeFromBonds(frames.map((fr) => fr.atoms.filter((a) => a.element === host)), bond);
}

/**
 * Cut the windows of every used instance under the operations `opsFor(u)`, frame by frame (z-scored
 * frames), frames in increasing order and, within a frame, instances in increasing order.
 * @param each given each instance's windows (one per operation) as they are cut; nothing is kept here
 */
async function cutWindows(
  frames: FrameStack,
  used: Instance[],
  spec: WindowSpec,
  opsFor: (u: number) => SymmetryOp[],
  progress: ProgressSink,
  warnings: string[],
  each: (u: number, windows: Float32Array[]) => void,
): Promise<void> {
  const byFrame = new Map<number, number[]>();
  used.forEach((inst, u) => {
    let l = byFrame.get(inst.atom.frame);
    if (!l) byFrame.set(inst.atom.frame, (l = []));
    l.push(u);
  });
  progress.start('sub-images', byFrame.size);
  let outside = 0;
  const z = new Float32Array(frames.width * frames.height); // one buffer for every frame's z-scores
  for (const [f, list] of [...byFrame.entries()].sort((a, b) => a[0] - b[0])) {
    if (f >= frames.count) throw new AtomdynError(frames.path, `the table refers to frame ${f}, the movie has ${frames.count} frame(s)`);
    const img = await frames.readFrame(f);
    // z-score the frame so windows from different frames are comparable
    let m = 0;
    for (const v of img) m += v;
    m /= img.length;
    let s = 0;
    for (const v of img) s += (v - m) ** 2;
    const sd = Math.sqrt(s / img.length) || 1;
    for (let i = 0; i < img.length; i++) z[i] = (img[i] - m) / sd;
    for (const u of list) {
      const inst = used[u];
      let out0 = false;
      const ws = opsFor(u).map((op) => {
        const w = cutWindow(z, frames.width, frames.height, inst.atom.x, inst.atom.y, spec, inst.latticeAngleRad, op);
        if (!w.inside) out0 = true;
        return w.values;
      });
      each(u, ws);
      if (out0) outside++;
    }
    progress.tick();
  }
  progress.stop();
  if (outside > 0) warnings.push(`${outside} sub-image(s) reach past the frame edge (the missing part counts as the frame mean)`);
}

interface FitArgs {
  method: ClassifyMethod;
  used: Instance[];
  spec: DescriptorSpec;
  stride: number;
  group: PointGroup;
  imageViews: Float64Array[] | null;
  imageSelf: ((ref: Float64Array, h: number) => number) | null;
  imageDim: number;
  covarianceType: CovarianceType;
  regCovar: number;
  seed: number;
  nInit: number;
  classesOpt: number | 'auto';
  maxClasses: number;
  bicSamples: 'segments' | 'effective' | 'all';
  timed: Array<{ particle: number | null; frame: number }>;
  pcaComponents: number;
  minClassFraction: number;
  warnings: string[];
  progress: ProgressSink;
}


function fitMethod(a: FitArgs): FitOutcome {
  const n = a.used.length;
  const maxK = Math.max(1, Math.min(a.maxClasses, n));
  if (a.classesOpt !== 'auto' && (!Number.isInteger(a.classesOpt) || a.classesOpt < 1)) throw AtomdynError.forOption('classes', `must be a positive integer or 'auto', got ${a.classesOpt}`);
  if (a.classesOpt !== 'auto' && a.classesOpt > n) throw AtomdynError.forOption('classes', `${a.classesOpt} classes for ${n} instance(s)`);
  if (a.method === 'sym-gmm') return fitSymmetric(a, maxK);
  return fitPlain(a, maxK);
}

/** Precisions (inverse covariances) of a fitted mixture in the shape GaussianMixture's precisionsInit takes. */
function precisionsOf(m: GaussianMixtureModel): number[][][] | number[][] | number[] {
  const d = m.nFeatures;
  if (m.covarianceType === 'spherical') return m.covariances.map((c) => 1 / c[0]);
  if (m.covarianceType === 'diag') return m.covariances.map((c) => Array.from(c, (v) => 1 / v));
  return m.precisionFactors.map((p) => {
    // precision = U Uᵀ
    const P: number[][] = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += p.chol[i * d + t] * p.chol[j * d + t];
      P[i][j] = s;
    }
    return P;
  });
}

/** Smallest eligible class under 'auto': `minClassFraction` of the samples, and at least 2. */
function minClassSize(a: FitArgs, n: number): number {
  return a.minClassFraction > 0 ? Math.max(2, Math.ceil(a.minClassFraction * n)) : 0;
}

function segmentsFor(a: FitArgs, distance: (i: number, j: number) => number): DwellSegments {
  const tracked = a.timed.some((t) => t.particle !== null);
  const multiFrame = new Set(a.timed.map((t) => t.frame)).size > 1;
  if (!tracked && multiFrame && a.classesOpt === 'auto' && a.bicSamples !== 'all') {
    a.warnings.push('no particle column (atoms.csv): consecutive frames of one dopant cannot be recognised, so the BIC counts every frame as independent; classify tracks.csv for a corrected sample size');
  }
  return dwellSegments(a.timed, distance);
}

/**
 * K by BIC, the same for both mixtures (modelSelection.ts): on one instance per dwell segment
 * (`bicSamples` 'segments'), on every instance with the effective sample size ('effective') or on
 * every instance ('all'); K = 1 .. min(maxK, samples), classes under the minimum size not eligible.
 *
 * @param distance distance between instances i and j (same configuration: small), for the segments
 * @param subset the data of the given instances (null = all)
 * @param size number of samples in a subset
 * @param fit fit K classes to a subset and report the likelihood (may throw: that K is skipped)
 * @returns the K chosen, the BIC curve and, when fitted on segment representatives, the fit at K to
 *   start the final fit on every instance from (consistent classes)
 */
function chooseK<D, M>(
  a: FitArgs,
  maxK: number,
  distance: (i: number, j: number) => number,
  subset: (idx: number[] | null) => D,
  size: (data: D) => number,
  fit: (data: D, k: number) => FitReport<M>,
): { k: number; bic: BicPoint[]; start: M | undefined } {
  const seg = a.bicSamples === 'all' ? null : segmentsFor(a, distance);
  const reps = seg && a.bicSamples === 'segments' ? segmentRepresentatives(a.timed, seg) : null;
  const data = subset(reps);
  const n = size(data);
  const nEff = seg && a.bicSamples === 'effective' ? seg.count : undefined;
  const kMax = Math.max(1, Math.min(maxK, n));
  a.progress.start('choose K (BIC)', kMax);
  const sel = selectByBic<M>(
    (kk) => {
      try {
        return fit(data, kk);
      } finally {
        a.progress.tick();
      }
    },
    1,
    kMax,
    nEff,
    minClassSize(a, n),
  );
  a.progress.stop();
  const edge = bicEdgeWarning(sel.best, kMax);
  if (edge) a.warnings.push(edge);
  for (const [kk, msg] of sel.errors) a.warnings.push(`K=${kk} could not be fitted: ${msg}`);
  return { k: sel.best, bic: sel.curve, start: reps ? sel.models.get(sel.best) : undefined };
}

/**
 * The warning when BIC picks the largest K tried (the minimum may lie beyond the search range), else null.
 * @param k chosen number of classes
 * @param kMax largest number tried
 */
export function bicEdgeWarning(k: number, kMax: number): string | null {
  return k === kMax && kMax > 1
    ? `BIC chose K = ${k}, the largest number of classes tried (1..${kMax}): the best K may lie beyond the search range, or classes split one configuration; see the BIC curve (model.json, report) and consider --classes N or a larger --max-classes`
    : null;
}

function fitSymmetric(a: FitArgs, maxK: number): FitOutcome {
  const { used, group } = a;
  const isImage = a.imageViews !== null;
  const makeViews = (idx: number[] | null): TransformedViews => {
    const pick = <T>(arr: T[]): T[] => (idx ? idx.map((i) => arr[i]) : arr);
    if (isImage) return new PrecomputedViews(pick(a.imageViews!), a.imageDim, group, a.imageSelf!);
    return new NeighbourViews(pick(used.map((u) => u.neighbours)), a.spec.k, a.stride, group);
  };
  const all = makeViews(null);
  const fitK = (views: TransformedViews, k: number, nInit = a.nInit) =>
    new SymmetricMixture({ nComponents: k, covarianceType: a.covarianceType, regCovar: a.regCovar, seed: a.seed, nInit }).fit(views);
  let bic: BicPoint[] | null = null;
  let k: number;
  let start: SymmetricMixtureModel | undefined;
  if (a.classesOpt === 'auto') {
    const G = group.ops.length;
    const buf = new Float64Array(G * all.d);
    const sq = new Float64Array(G);
    const invDist = (i: number, j: number) => {
      all.views(i, all.raw(j), buf, sq);
      return Math.sqrt(Math.min(...sq) / (isImage ? all.d : a.spec.k));
    };
    ({ k, bic, start } = chooseK<TransformedViews, SymmetricMixtureModel>(a, maxK, invDist, (reps) => (reps ? makeViews(reps) : all), (views) => views.n, (views, kk) => {
      const m = fitK(views, kk);
      const post = m.posterior(views);
      const sizes = new Array<number>(kk).fill(0);
      for (const p of post) sizes[p.state]++;
      return { model: m, logLikelihood: post.reduce((t, p) => t + p.logLikelihood, 0), nParameters: m.nParameters(), nSamples: views.n, smallestClass: Math.min(...sizes) };
    }));
  } else k = a.classesOpt;
  a.progress.start(`fit K=${k}`, 1);
  let model: SymmetricMixtureModel;
  try {
    model = start ? new SymmetricMixture({ nComponents: k, covarianceType: a.covarianceType, regCovar: a.regCovar, seed: a.seed, nInit: a.nInit }).fit(all, start) : fitK(all, k);
  } catch (e) {
    throw AtomdynError.forOption('classes', `the ${k}-class mixture could not be fitted: ${(e as Error).message}`);
  }
  a.progress.tick();
  a.progress.stop();
  const post = model.posterior(all);
  return {
    k,
    states: Int32Array.from(post, (p) => p.state),
    probability: post.map((p) => p.probability),
    rotation: Float64Array.from(post, (p) => p.rotationDeg),
    mirror: post.map((p) => p.mirror),
    aligned: post.map((p) => (isImage ? null : p.aligned)),
    alignOp: Int32Array.from(post, (p) => p.alignOp),
    weights: Array.from(model.weights),
    stabilisers: model.stabilisers.map((s) => [...s]),
    meanNeighbours: isImage ? null : model.means.map((m) => Array.from(m)),
    modelJSON: model.toJSON(),
    bic,
    pca: null,
    template: null,
  };
}

function fitPlain(a: FitArgs, maxK: number): FitOutcome {
  const { used } = a;
  const isImage = a.imageViews !== null;
  let aligned: Float64Array[];
  let X: number[][];
  let template: Float64Array | null = null;
  if (isImage) {
    aligned = [];
    X = a.imageViews!.map((v) => Array.from(v.subarray(0, a.imageDim)));
  } else {
    ({ aligned, template } = alignToCommonTemplate(used.map((u) => u.neighbours), a.spec.k, a.stride, used.map((u) => u.count)));
    X = aligned.map((v) => Array.from(v));
  }
  let pca: PCAModel | null = null;
  if (!isImage && a.pcaComponents > 0 && X.length > 2) {
    pca = new PCA({ nComponents: Math.min(a.pcaComponents, X[0].length, X.length - 1) }).fit(X);
    X = pca.transform(X);
  }
  const cov: CovarianceType = a.method === 'kmeans' ? 'spherical' : a.covarianceType;
  const fitGmm = (rows: number[][], k: number) => new GaussianMixture({ nComponents: k, covarianceType: cov, regCovar: a.regCovar, seed: a.seed, nInit: a.nInit }).fit(rows);
  let bic: BicPoint[] | null = null;
  let k: number;
  let startPlain: GaussianMixtureModel | undefined;
  if (a.classesOpt === 'auto') {
    const ws = new AssignmentWorkspace(a.spec.k);
    const tmp = new Float64Array(a.spec.k * a.stride);
    const dist = (i: number, j: number) => {
      if (isImage || pca) {
        let s = 0;
        for (let t = 0; t < X[i].length; t++) s += (X[i][t] - X[j][t]) ** 2;
        return Math.sqrt(s / X[i].length);
      }
      return Math.sqrt(matchToTemplate(aligned[i], aligned[j], a.spec.k, a.stride, tmp, ws) / a.spec.k);
    };
    ({ k, bic, start: startPlain } = chooseK<number[][], GaussianMixtureModel>(a, maxK, dist, (reps) => (reps ? reps.map((i) => X[i]) : X), (rows) => rows.length, (rows, kk) => {
      const m = fitGmm(rows, kk);
      const sizes = new Array<number>(kk).fill(0);
      for (const c of m.predict(rows)) sizes[c]++;
      return { model: m, logLikelihood: m.score(rows) * rows.length, nParameters: m.nParameters(), nSamples: rows.length, smallestClass: Math.min(...sizes) };
    }));
  } else k = a.classesOpt;
  let states: Int32Array;
  let probability: Array<number | null>;
  let weights: number[];
  let modelJSON: unknown;
  if (a.method === 'kmeans') {
    const r = kmeans(X, k, { initialization: 'kmeans++', seed: a.seed, maxIterations: 300 });
    states = Int32Array.from(r.clusters);
    probability = X.map(() => null);
    weights = Array.from({ length: k }, (_, c) => r.clusters.filter((s) => s === c).length / X.length);
    modelJSON = { kind: 'atomdyn-kmeans/1', centroids: r.centroids, iterations: r.iterations, converged: r.converged };
  } else {
    let m: GaussianMixtureModel;
    try {
      m = fitGmm(X, k);
      if (startPlain) {
        // also EM from the fit on the representatives; keep the better of the two
        const warm = new GaussianMixture({
          nComponents: k,
          covarianceType: cov,
          regCovar: a.regCovar,
          weightsInit: startPlain.weights,
          meansInit: startPlain.means,
          precisionsInit: precisionsOf(startPlain),
        }).fit(X);
        if (warm.score(X) > m.score(X)) m = warm;
      }
    } catch (e) {
      throw AtomdynError.forOption('classes', `the ${k}-class mixture could not be fitted: ${(e as Error).message}`);
    }
    states = m.predict(X);
    const pp = m.predictProba(X);
    probability = pp.map((p, i) => p[states[i]]);
    weights = Array.from(m.weights);
    modelJSON = m.toJSON();
  }
  const meanNeighbours = isImage ? null : classMeans(aligned, states, k, a.spec.k * a.stride);
  return {
    k,
    states,
    probability,
    rotation: null,
    mirror: null,
    aligned: isImage ? used.map(() => null) : aligned,
    alignOp: new Int32Array(used.length),
    weights,
    stabilisers: null,
    meanNeighbours,
    modelJSON,
    bic,
    pca,
    template,
  };
}
