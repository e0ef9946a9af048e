/**
 * The configuration classifier as an estimator: `new ConfigurationClassifier(settings).fit(input)`
 * -> a {@link ConfigurationModel} that can be saved (model.json), loaded and applied to other
 * movies. The work is classifyConfigurations.ts (centres, chemistry, descriptors, K by BIC, the
 * symmetric or plain mixture).
 */
import { AtomdynError } from '../../data/errors.ts';
import { classifyConfigurations, type ClassifyInput, type ClassifyOptions, type ClassifyResult } from './classifyConfigurations.ts';
import { ConfigurationModel } from './configurationModel.ts';

/** Estimator of {@link ConfigurationModel}s; holds settings only. */
export class ConfigurationClassifier {
  /** Settings (see ClassifyOptions; `apply` is not one of them). */
  readonly options: Readonly<Omit<ClassifyOptions, 'apply'>>;

  /**
   * @param options settings of the fit (method, K or 'auto', point group, descriptor, ...)
   * @throws AtomdynError('apply') when `options` carries a model to apply
   */
  constructor(options: ClassifyOptions = {}) {
    if (options.apply) throw AtomdynError.forOption('apply', 'a classifier fits a model; apply a saved one with ConfigurationModel.predict');
    this.options = Object.freeze({ ...options });
  }

  /**
   * Fit the classes and return the model with the classification of the fitted centres.
   * @param input atoms of every frame with pixel size (and optional frames)
   * @throws AtomdynError as classifyConfigurations, or when no centre could be classified
   */
  async fitPredict(input: ClassifyInput): Promise<{ model: ConfigurationModel; result: ClassifyResult }> {
    const result = await classifyConfigurations(input, this.options);
    if (result.k === 0) throw new AtomdynError('', `no class could be fitted: ${result.warnings.at(-1) ?? 'no centres'}`);
    return { model: ConfigurationModel.fromResult(result), result };
  }

  /**
   * Fit the classes.
   * @param input atoms of every frame with pixel size (and optional frames)
   * @throws AtomdynError as {@link fitPredict}
   */
  async fit(input: ClassifyInput): Promise<ConfigurationModel> {
    return (await this.fitPredict(input)).model;
  }
}
