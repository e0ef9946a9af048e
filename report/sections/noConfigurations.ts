/** Report section shown instead of the configuration and kinetics sections when nothing was classified. */
import type { SectionBuilder } from '../reportContext.ts';

/** Present when no configuration was classified and there is no transitions.json. */
export const noConfigurationsSection: SectionBuilder = {
  id: 'configurations',
  build({ folder: f, frameCount }) {
    const classified = !!f.configurations && f.configurations.rows.some((r) => typeof r.state === 'number');
    if (classified || f.transitions) return null;
    const what = frameCount > 1 ? 'There are no states, transition probabilities or events to report; the atoms, tracks and drift above are complete.' : 'There are no states to report; the atoms above are complete.';
    return {
      id: 'configurations', title: 'Configurations',
      html: `<div class="empty" id="no-configurations">No configurations were found: ${f.configurations ? 'configurations.csv has no classified centre' : 'there is no configurations.csv'}, so this ${frameCount > 1 ? 'movie' : 'image'} shows no dopant or defect centres to classify (for example a pristine lattice). ${what}</div>`,
    };
  },
};
