/** The shared real-data folder for tests: evaluation/sharedData.ts (benchmarks use it too). */
export * from '../evaluation/sharedData.ts';
