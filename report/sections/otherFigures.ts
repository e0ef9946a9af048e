/** Report section "Other figures": PNGs in the run folder that no other section uses. */
import path from 'node:path';
import { figure } from '../htmlPage.ts';
import type { SectionBuilder } from '../reportContext.ts';

/** Present when the folder holds unclaimed PNGs. */
export const otherFiguresSection: SectionBuilder = {
  id: 'figures',
  build({ folder: f }) {
    if (!f.figures.other.length) return null;
    return { id: 'figures', title: 'Other figures', html: f.figures.other.map((p) => figure(p, path.basename(p))).join('\n') };
  },
};
