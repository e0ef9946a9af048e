/**
 * atomdyn's public API: what a TypeScript or JavaScript program imports (`import { ... } from 'atomdyn'`),
 * the same functions the `atomdyn` command calls. The stages follow the data's journey: open a movie
 * (frames), locate atoms, register drift and link trajectories, classify local configurations, estimate
 * Markov kinetics, write tables and a report; beside them the simulator (known answers), the image
 * analytics and the materials table. docs/api.md shows a complete example; docs/schema.md is the
 * contract for every file. Coordinates are x = column, y = row in pixels (pixel centres at integers),
 * lengths in pm where the pixel size is known.
 */

// errors and progress
export { AtomdynError } from './data/errors.ts';
export { silentProgress, type ProgressSink } from './data/progress.ts';

// frames: readers of every format, one frame at a time
export { openFrames, detectKind, SUPPORTED_EXTENSIONS, type OpenOptions, type FileKind } from './data/openFrames.ts';
export { iterateFrames, type FrameStack } from './data/frameStack.ts';
export { readCsv, parseCsv, readCsvColumns, parseCsvColumns, writeCsv, toCsv, canonicalTable, numericColumn, type Table, type Cell } from './data/csvTable.ts';
export { ColumnTable, columnGetter } from './data/columnTable.ts';
export { writeJson, readJson } from './data/writers/jsonFile.ts';
export { writeTiffStack } from './data/writers/tiffStack.ts';
export { newRun, readRunBeside, writeRun, pickSourced, versions, type RunMetadata, type Sourced, type ValueOrigin } from './data/runMetadata.ts';
export { withRunFolder, startRun, finalPath, type PendingRun, type StartRunOptions } from './data/runFolder.ts';
export { Random } from './data/random.ts';

// materials and models
export { MATERIALS, ATOMIC_NUMBER, LATTICE_CONSTANT_PM, atomicNumberOf, columnAtomicNumber, hostBondPm, materialByName, materialFromElements, pointGroupForLattice, type Material } from './models/materials.ts';
export { PRETRAINED_DIR, PRETRAINED_MODELS, resolveModelPath } from './models/registry.ts';
export { initBackend, type BackendChoice } from './models/tensorBackend.ts';
export type { ModelCard } from './models/modelCard.ts';

// atoms: the U-Net segmenter, streaming (locateIter) and whole-movie (locate) forms
export { locate, locateIter, planLocate, atomsColumns, atomsRows, type LocateOptions, type LocatePlan, type LocatedFrame } from './inference/locate.ts';
export type { LocatedAtom, LocateFrameOptions } from './inference/locateFrame.ts';
// MX2 lattice sites: occupancy and point defects from Z-contrast (sites.csv)
export { fitLatticeSites, siteLevels, siteMaterial, sitesColumns, sitesRows, type LatticeSite, type LatticeSiteOptions, type LatticeSitesResult, type SiteLevel } from './inference/latticeSites.ts';

// drift and trajectories: the streaming linker (linkIter, as trackpy's link_iter) under the table forms
export { estimateDriftFromFrames, correctPositions, driftAt, type DriftTrack, type FrameDriftOptions } from './dynamics/registration/driftCorrection.ts';
export { Linker, linkIter, link, type FrameDetections, type LinkOptions, type LinkedFrame, type LinkResult } from './dynamics/tracking/linking.ts';
export { trackAtoms, type TrackOptions, type TrackResult } from './dynamics/tracking/trackAtoms.ts';
export { defectsFromSites, trackDefects, defectTrackRows, type DefectDetection, type DefectTracks } from './dynamics/tracking/defectTracks.ts';

// local configurations: fit once (ConfigurationClassifier), apply anywhere (ConfigurationModel)
export { atomsFromTable, groupByFrame, type AtomRecord } from './dynamics/configurations/centres.ts';
export { classifyConfigurations, classExamples, membersByProbability, GALLERY_EXAMPLES, type ClassifyOptions, type ClassifyInput, type ClassifyResult, type ConfigurationRow } from './dynamics/configurations/classifyConfigurations.ts';
export { classifyDefectComplexes, complexName, type DefectComplexResult } from './dynamics/configurations/defectComplexes.ts';
export { ConfigurationClassifier } from './dynamics/configurations/configurationClassifier.ts';
export { ConfigurationModel } from './dynamics/configurations/configurationModel.ts';
export { GaussianMixture, GaussianMixtureModel } from './dynamics/configurations/gaussianMixture.ts';
export { SymmetricMixture, SymmetricMixtureModel } from './dynamics/configurations/symmetricMixture.ts';
export { pointGroup, projectedPointGroup, type PointGroup } from './dynamics/configurations/pointGroups.ts';

// kinetics: counts -> Markov model (deeptime's shape), and the analyses of a model
export { buildStateSequences, stateSequencesFromTable, sequencesFromArrays, type StateSequences } from './dynamics/kinetics/stateSequences.ts';
export { TransitionCountEstimator, type TransitionCountModel } from './dynamics/kinetics/transitionCountEstimator.ts';
export { MarkovModelEstimator, type MarkovModelOptions } from './dynamics/kinetics/markovModelEstimator.ts';
export { MarkovModel } from './dynamics/kinetics/markovModel.ts';
export { MarkovEstimator, KineticsAnalysis, type MarkovOptions } from './dynamics/kinetics/markovEstimator.ts';
export { impliedTimescales, impliedTimescalesOfModels } from './dynamics/kinetics/impliedTimescales.ts';
export { chapmanKolmogorovOfModel } from './dynamics/kinetics/chapmanKolmogorov.ts';
export { modelDwellTimes, dwellTimes } from './dynamics/kinetics/dwellTimes.ts';
export { stationaryDistribution } from './dynamics/kinetics/stationaryDistribution.ts';
export { simulateChain } from './dynamics/kinetics/markovSimulation.ts';

// the steps as library calls that write a run folder each, and the whole chain on a movie opened once
// (what `atomdyn locate`, `track`, `classify`, `transitions` and `analyze` call)
export type { StepOutput } from './pipeline/stepOutput.ts';
export { locateStep, overlayFrames, type LocateStepOptions, type LocateStepResult, type ClassicalStepOptions } from './pipeline/locateStep.ts';
export { trackStep, type TrackStepOptions, type TrackStepResult } from './pipeline/trackStep.ts';
export { classifyStep, classifyInputFromTable, CONFIGURATION_COLUMNS, type ClassifyStepInput, type ClassifyStepOptions, type ClassifyStepResult } from './pipeline/classifyStep.ts';
export { transitionsStep, compactJson, EVENT_COLUMNS, type TransitionsStepOptions, type TransitionsStepResult } from './pipeline/transitionsStep.ts';
export { analyzeMovie, simulationTruth, type AnalyzeOptions, type AnalyzeSink, type AnalyzeResult, type AnalyzeStep } from './pipeline/analyzeMovie.ts';

// image analytics
export { fitUnmixing } from './analytics/unmixing/fitUnmixing.ts';
export { unmixImage } from './analytics/imageUnmixing.ts';

// report
export { buildReport } from './report/buildReport.ts';

// the simulator (known answers)
export { simulateMovie, type MovieOptions, type SimulatedMovie } from './training/simulator/simulateMovie.ts';
export { simulateImage } from './training/simulator/simulateImage.ts';

// scoring against known answers
export { adjustedRandIndex } from './evaluation/adjustedRandIndex.ts';
