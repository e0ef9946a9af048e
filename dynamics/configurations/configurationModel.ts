/**
 * A fitted configuration classifier that can be saved, loaded and applied to other movies, so that
 * "state 1" of two movies is the same configuration. Its JSON is the `model.json` that
 * `atomdyn classify` writes (docs/schema.md, `kind` = {@link CONFIGURATION_MODEL_KIND}); fitted by
 * {@link ConfigurationClassifier} (configurationClassifier.ts), applied by
 * {@link ConfigurationModel.predict}, which describes the new centres in the model's own
 * descriptor layout and units and classifies them with the saved mixture (fittedClassifier.ts).
 */
import { AtomdynError } from '../../data/errors.ts';
import { deepFreeze } from '../../data/deepFreeze.ts';
import type { ProgressSink } from '../../data/progress.ts';
import type { PCAJSON } from '../../numerics/pca.ts';
import { classifyConfigurations, type AppliedClassifier, type ClassifierSummary, type ClassifyInput, type ClassifyResult } from './classifyConfigurations.ts';
import type { ClassifyMethod, FittedNeighbourClassifier } from './fittedClassifier.ts';
import { pointGroup } from './pointGroups.ts';

/** The `kind` of model.json; the number is the version. */
export const CONFIGURATION_MODEL_KIND = 'atomdyn-classify-model/1';

/** The fields of model.json that a {@link ConfigurationModel} reads (others are kept as they are). */
export interface ConfigurationModelJSON extends Omit<ClassifierSummary, 'fit'> {
  kind: string;
  /** The mixture (or k-means centroids). */
  fit: FittedNeighbourClassifier['fit'];
  /** The settings of the fit (classifyConfigurations' `settings`). */
  settings: Record<string, unknown>;
  [key: string]: unknown;
}

/** A saved, immutable configuration classifier. */
export class ConfigurationModel {
  /** The model.json content, frozen in depth. */
  private readonly doc: Readonly<ConfigurationModelJSON>;

  /**
   * @param doc model.json content (validated by {@link ConfigurationModel.fromJSON}); a deep copy is kept
   */
  private constructor(doc: ConfigurationModelJSON) {
    this.doc = deepFreeze(structuredClone(doc));
    Object.freeze(this);
  }

  /** Classification method. */
  get method(): ClassifyMethod { return this.doc.method; }
  /** Number of classes. */
  get k(): number { return this.doc.k; }
  /** Class names, by state index. */
  get classNames(): readonly string[] { return this.doc.classNames; }
  /** Point group the classes are invariant under. */
  get pointGroup(): string { return this.doc.pointGroup; }
  /** Descriptor units: 'pm', or 'px' of the movie it was fitted on. */
  get units(): 'pm' | 'px' { return this.doc.units; }

  /**
   * The model of a classification result (the model.json content without the per-frame complexes).
   * @param result a fit's result (classifyConfigurations)
   * @throws AtomdynError when nothing was classified (no fitted classes)
   */
  static fromResult(result: ClassifyResult): ConfigurationModel {
    return ConfigurationModel.fromJSON({ kind: CONFIGURATION_MODEL_KIND, ...result.model, classes: result.classes, bic: result.bic, settings: result.settings }, 'classification');
  }

  /**
   * Read a saved model.
   * @param doc parsed model.json
   * @param source file name for messages
   * @throws AtomdynError(source) for another kind or version, a model without fitted classes, or a
   *   missing or malformed field (files written before the field `scalePmPerPx` (px units) or
   *   `template` (gmm, kmeans) existed cannot be applied: classify again)
   */
  static fromJSON(doc: unknown, source = 'model.json'): ConfigurationModel {
    const bad = (what: string): never => {
      throw new AtomdynError(source, `not a usable configuration model: ${what}`);
    };
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) bad('expected a JSON object');
    const d = doc as Record<string, unknown>;
    if (d.kind !== CONFIGURATION_MODEL_KIND) bad(`kind '${String(d.kind)}' (this atomdyn reads '${CONFIGURATION_MODEL_KIND}')`);
    if (!['sym-gmm', 'gmm', 'kmeans'].includes(d.method as string)) bad(`unknown method '${String(d.method)}'`);
    if (d.descriptor !== 'neighbours' && d.descriptor !== 'image') bad(`unknown descriptor '${String(d.descriptor)}'`);
    if (d.units !== 'pm' && d.units !== 'px') bad(`units must be 'pm' or 'px'`);
    if (d.fit === null || typeof d.fit !== 'object') bad('it holds no fitted classes (nothing was classified when it was made)');
    const k = d.k;
    if (!Number.isInteger(k) || (k as number) < 1) bad("'k' must be an integer >= 1");
    if (!Array.isArray(d.classNames) || d.classNames.length !== k || !d.classNames.every((c) => typeof c === 'string')) bad(`'classNames' must list ${k} names`);
    const layout = d.layout as Record<string, unknown> | undefined;
    if (!layout || !Number.isInteger(layout.k) || !Number.isInteger(layout.stride) || !Array.isArray(layout.speciesChannels) || typeof layout.rMax !== 'number' || typeof layout.speciesWeight !== 'number') {
      bad("'layout' must hold k, stride, speciesChannels, rMax and speciesWeight");
    }
    const fitKind = (d.fit as Record<string, unknown>).kind;
    const expected = { 'sym-gmm': 'atomdyn-symmetric-mixture/1', gmm: 'atomdyn-gaussian-mixture/1', kmeans: 'atomdyn-kmeans/1' }[d.method as ClassifyMethod];
    if (fitKind !== expected) bad(`method ${String(d.method)} needs a fit of kind '${expected}', found '${String(fitKind)}'`);
    const scale = d.scalePmPerPx ?? (d.units === 'pm' ? 1 : undefined);
    if (typeof scale !== 'number' || !(scale > 0)) bad("'scalePmPerPx' (pm per px of the fitted movie) is missing; a model in px needs it: classify again");
    if (d.descriptor === 'neighbours' && d.method !== 'sym-gmm' && !Array.isArray(d.template)) bad(`'template' is missing (a ${String(d.method)} model needs it): classify again`);
    try {
      pointGroup(String(d.pointGroup));
    } catch (e) {
      bad(`point group: ${(e as Error).message}`);
    }
    if (!d.settings || typeof d.settings !== 'object') bad("'settings' must be an object");
    return new ConfigurationModel({
      ...(d as ConfigurationModelJSON),
      scalePmPerPx: scale as number,
      template: Array.isArray(d.template) ? (d.template as number[]) : null,
      pca: (d.pca ?? null) as PCAJSON | null,
      layout: { ...(layout as ConfigurationModelJSON['layout']), radiusBySpecies: (layout!.radiusBySpecies ?? null) as Record<string, number> | null },
    });
  }

  /** The model.json content (a deep copy). */
  toJSON(): ConfigurationModelJSON {
    return structuredClone(this.doc) as ConfigurationModelJSON;
  }

  /**
   * Classify the centres of another movie (or the same one) with this model: the same centre
   * atoms, bond cut-offs, orientation reference and descriptor layout as the fit, the saved mixture,
   * and the saved class names, so that a state means the same configuration.
   *
   * @param input atoms (with pixel size, optional frames for the gallery sub-images)
   * @param opts.progress progress reporting
   * @returns rows and classes as classifyConfigurations returns them (`bic` null)
   * @throws AtomdynError for a model fitted on sub-image descriptors (not applicable yet), and as
   *   classifyConfigurations for unusable input
   */
  async predict(input: ClassifyInput, opts: { progress?: ProgressSink } = {}): Promise<ClassifyResult> {
    const d = this.doc;
    if (d.descriptor !== 'neighbours') throw AtomdynError.forOption('descriptor', 'a model fitted on sub-image descriptors (`descriptor` image) cannot be applied to other movies yet; fit it with `descriptor` neighbours');
    const s = d.settings;
    const centres = s.centres === 'all' ? 'all' : Array.isArray(s.centres) && s.centres.length ? s.centres.join(',') : undefined;
    const cutoffs = s.cutoffsPm && typeof s.cutoffsPm === 'object' ? new Map(Object.entries(s.cutoffsPm as Record<string, number>)) : undefined;
    const apply: AppliedClassifier = {
      method: d.method, slots: d.layout.k, stride: d.layout.stride, fit: d.fit, template: d.template, pca: d.pca,
      pointGroup: d.pointGroup, units: d.units, scalePmPerPx: d.scalePmPerPx, rMax: d.layout.rMax, speciesChannels: [...d.layout.speciesChannels],
      speciesWeight: d.layout.speciesWeight, radiusBySpecies: d.layout.radiusBySpecies, classNames: [...d.classNames],
    };
    return classifyConfigurations(input, {
      centre: centres,
      cutoffs,
      orientation: s.orientation === 'image' ? 'image' : 'lattice',
      windowRadiusPm: typeof s.windowRadiusPm === 'number' ? s.windowRadiusPm : undefined,
      seed: typeof s.seed === 'number' ? s.seed : 0,
      apply,
      progress: opts.progress,
    });
  }
}
