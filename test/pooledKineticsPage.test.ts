/** The merge report (report/pooledKineticsPage.ts) against pooled.json (dynamics/kinetics/pooledKinetics.ts). */
import { describe, expect, it } from 'vitest';
import { poolKinetics, pooledToJSON, POOLED_FORMAT } from '../dynamics/kinetics/pooledKinetics.ts';
import { stateSequencesFromTable } from '../dynamics/kinetics/stateSequences.ts';
import { pooledKineticsPage } from '../report/pooledKineticsPage.ts';
import { syntheticConfigurations } from '../training/simulator/syntheticKinetics.ts';

describe('pooledKineticsPage', () => {
  it('shows the numbers of pooled.json: amounts, the agreement tests, the pooled and per-movie matrices', () => {
    const movies = [1, 2, 3].map((seed) => ({
      id: `m${seed}`, sequences: stateSequencesFromTable(syntheticConfigurations({ seed }), 'c.csv'), frameTimeS: 0.5, doseRate: 1e5, metadata: { session: seed < 3 ? 'day1' : 'day2' },
    }));
    const doc = JSON.parse(JSON.stringify(pooledToJSON(poolKinetics(movies, { groupBy: 'session', estimator: { samples: 200, bootstrap: false } }))));
    expect(doc.format).toBe(POOLED_FORMAT);
    expect(doc.model.n_pairs).toBe(doc.movies.reduce((a: number, m: { n_pairs: number }) => a + m.n_pairs, 0));
    const html = pooledKineticsPage(doc, { command: 'atomdyn merge runs --out pooled' });
    expect(html).toContain(`data-p="${doc.homogeneity.p_value}"`);
    for (const m of doc.movies) expect(html).toContain(`<tr data-id="${m.id}" data-p="${m.p_value}">`);
    expect(html).toContain('id="group-table"');
    // every pooled matrix cell carries the JSON's probability
    const cells = [...html.split('id="transition-matrix-')[0].matchAll(/data-from="([^"]+)" data-to="([^"]+)" data-p="([^"]*)"/g)];
    expect(cells.length).toBe(doc.states.length ** 2);
    for (const [, from, to, p] of cells) expect(p).toBe(String(doc.model.matrix[doc.states.indexOf(from)][doc.states.indexOf(to)] ?? ''));
    for (const m of doc.movies) expect(html).toContain(`id="transition-matrix-movie-${m.id}"`);
    expect(html).not.toMatch(/<script/);
  });
});
