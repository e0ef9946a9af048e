/**
 * The report's sections, in page order: the one place where a section is added (see
 * report/reportContext.ts for the SectionBuilder contract). Each builder returns null when the run
 * folder holds nothing for it, so a single image gets atoms and configurations and no kinetics.
 */
import type { SectionBuilder } from './reportContext.ts';
import { summarySection } from './sections/summary.ts';
import { knownAnswerSection } from './sections/knownAnswer.ts';
import { atomsSection } from './sections/atoms.ts';
import { trajectoriesSection } from './sections/trajectories.ts';
import { driftSection } from './sections/drift.ts';
import { classesSection } from './sections/classes.ts';
import { noConfigurationsSection } from './sections/noConfigurations.ts';
import { dwellSection, eventsSection, kineticsSection, timelinesSection, timescalesSection } from './sections/kinetics.ts';
import { reproduceSection } from './sections/reproduce.ts';
import { applicabilitySection } from './sections/applicability.ts';
import { otherFiguresSection } from './sections/otherFigures.ts';

/** Every section, in page order. */
export const SECTIONS: readonly SectionBuilder[] = [
  summarySection,
  applicabilitySection,
  knownAnswerSection,
  atomsSection,
  trajectoriesSection,
  driftSection,
  classesSection,
  noConfigurationsSection,
  kineticsSection,
  timelinesSection,
  dwellSection,
  timescalesSection,
  eventsSection,
  otherFiguresSection,
  reproduceSection,
];
