/**
 * Benchmark of configuration classification (issue 6): accuracy (adjusted Rand index against the
 * simulated truth) and speed of the symmetry-aware mixture vs the plain Gaussian mixture, on
 * simulated Si-in-graphene configurations (Si-C3, Si-C4, Si + vacancy; random orientations, 6 pm
 * jitter, 2 % missing neighbours), the whole `classify` pipeline on a simulated movie, and, as the
 * peer, scikit-learn's GaussianMixture fitted to the same plain descriptors in one run (Debian
 * python3-sklearn; skipped with a message where it is not installed).
 *
 * Run: `npm run bench -- classify`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateConfigurations, generateMovie } from '../training/simulator/syntheticConfigurations.ts';
import { groupByFrame } from '../dynamics/configurations/centres.ts';
import { describeNeighbours, latticeOrientation, alignToCommonTemplate, selectChannels } from '../dynamics/configurations/neighbourDescriptors.ts';
import { pointGroup } from '../dynamics/configurations/pointGroups.ts';
import { SymmetricMixture, NeighbourViews } from '../dynamics/configurations/symmetricMixture.ts';
import { GaussianMixture, type CovarianceType } from '../dynamics/configurations/gaussianMixture.ts';
import { adjustedRandIndex } from '../evaluation/adjustedRandIndex.ts';
import { classifyConfigurations } from '../dynamics/configurations/classifyConfigurations.ts';

const G = pointGroup('6mm');
const SPEC = { k: 4, rMax: 215, speciesChannels: ['Si'], speciesWeight: 100, radiusBySpecies: { C: 215, Si: 240 } };
const REG = (0.02 * 215) ** 2;

function descriptors(per: number, seed: number) {
  const set = generateConfigurations(['SiC3', 'SiC4', 'SiVac'], [per, per, per], { seed, jitterPm: 6, missingProbability: 0.02 });
  const d = groupByFrame(set.atoms).map((fr) => {
    const pts = fr.atoms.map((a) => ({ x: a.x * set.pixelSizePm, y: a.y * set.pixelSizePm, species: a.species }));
    const lo = latticeOrientation(pts, (i) => pts[i].species === 'C', 180, 6);
    return describeNeighbours(pts, [pts.findIndex((p) => p.species === 'Si')], SPEC, lo.angleRad)[0];
  });
  // no Si neighbours occur: drop the empty species channel (stride 2)
  return { set, values: selectChannels(d.map((x) => x.values), 4, 3, []), counts: d.map((x) => x.count) };
}

function time<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

const rows: string[][] = [];
const peerInput: { X: number[][]; truth: number[]; k: number; cov: string }[] = [];
for (const per of [100, 333, 1000]) {
  const { set, values, counts } = descriptors(per, 7);
  const n = 3 * per;
  for (const cov of ['full', 'diag'] as CovarianceType[]) {
    const views = new NeighbourViews(values, 4, 2, G);
    const sym = time(() => new SymmetricMixture({ nComponents: 3, covarianceType: cov, regCovar: REG, seed: 1, nInit: 1 }).fit(views));
    const ariSym = adjustedRandIndex(set.truth, sym.value.posterior(views).map((p) => p.state));
    const X = alignToCommonTemplate(values, 4, 2, counts).aligned.map((a) => Array.from(a));
    const plain = time(() => new GaussianMixture({ nComponents: 3, covarianceType: cov, regCovar: REG, seed: 1, nInit: 1 }).fit(X));
    const ariPlain = adjustedRandIndex(set.truth, plain.value.predict(X));
    rows.push([String(n), cov, sym.ms.toFixed(0), String(sym.value.nIter), ariSym.toFixed(3), plain.ms.toFixed(0), ariPlain.toFixed(3)]);
    peerInput.push({ X, truth: Array.from(set.truth), k: 3, cov });
  }
}

console.log('Simulated configurations, K = 3, 6mm (12 operations), one initialisation each');
console.log('| instances | covariance | sym-GMM ms | EM iterations | sym-GMM ARI | plain GMM ms | plain GMM ARI |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);

// BIC over K = 1..6 (independent configurations)
{
  const { values } = descriptors(50, 11);
  const views = new NeighbourViews(values, 4, 2, G);
  const t = time(() => [1, 2, 3, 4, 5, 6].map((k) => new SymmetricMixture({ nComponents: k, regCovar: REG, seed: 1, nInit: 1, tol: 1e-3 }).fit(views).bic(views)));
  console.log(`\nBIC curve, 150 instances, full covariance: ${t.value.map((b, i) => `K=${i + 1} ${b.toFixed(0)}`).join(', ')} (${t.ms.toFixed(0)} ms)`);
}

// whole pipeline on a movie of the size of issue 7's showcase (8 dopants x 60 frames)
{
  const mv = generateMovie(['SiC3', 'SiC4', 'SiVac'], { seed: 2, frames: 60, dopants: 8, switchProbability: 0.05, jitterPm: 3, staticPm: 6, pixelSizePm: 10 });
  const t0 = performance.now();
  const r = await classifyConfigurations({ atoms: mv.atoms, pixelSizePm: 10 }, { classes: 'auto', seed: 1, nInit: 2 });
  const ms = performance.now() - t0;
  const truth = r.rows.map((row) => mv.truth[row.frame * mv.dopants + (row.particle as number)]);
  console.log(`\nclassify pipeline, simulated movie 8 dopants x 60 frames (${mv.atoms.length} atoms, ${r.rows.length} centres): ${ms.toFixed(0)} ms, K=${r.k} by BIC on ${r.bic![0].nSamples} dwell segments, ARI ${adjustedRandIndex(truth, r.rows.map((x) => x.state!)).toFixed(3)}`);
}

// peer: scikit-learn GaussianMixture on the same plain descriptors
const py = '/usr/bin/python3';
const probe = existsSync(py) ? spawnSync(py, ['-c', 'import sklearn; print(sklearn.__version__)'], { encoding: 'utf8' }) : null;
if (!probe || probe.status !== 0) {
  console.log('\npeer skipped: scikit-learn is not installed (apt-get install -y python3-sklearn)');
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-bench-'));
  const inFile = path.join(dir, 'in.json');
  writeFileSync(inFile, JSON.stringify(peerInput));
  const script = `
import json, sys, time
import numpy as np
from sklearn.mixture import GaussianMixture
from sklearn.metrics import adjusted_rand_score
cases = json.load(open(sys.argv[1]))
out = []
for c in cases:
    X = np.array(c['X'])
    t0 = time.perf_counter()
    g = GaussianMixture(n_components=c['k'], covariance_type=c['cov'], reg_covar=${REG}, random_state=1, n_init=1).fit(X)
    ms = (time.perf_counter() - t0) * 1000
    out.append([len(X), c['cov'], ms, adjusted_rand_score(c['truth'], g.predict(X))])
json.dump(out, open(sys.argv[2], 'w'))
`;
  const outFile = path.join(dir, 'out.json');
  const r = spawnSync(py, ['-c', script, inFile, outFile], { encoding: 'utf8' });
  if (r.status !== 0) console.log(`\npeer failed: ${r.stderr.trim().split('\n').pop()}`);
  else {
    const res = JSON.parse(readFileSync(outFile, 'utf8')) as [number, string, number, number][];
    console.log(`\nPeer: scikit-learn ${probe.stdout.trim()} GaussianMixture (plain, no symmetry) on the same descriptors`);
    console.log('| instances | covariance | sklearn ms | sklearn ARI | atomdyn plain GMM ms | atomdyn sym-GMM ms | atomdyn sym-GMM ARI |');
    console.log('|---|---|---|---|---|---|---|');
    res.forEach((p, i) => console.log(`| ${p[0]} | ${p[1]} | ${p[2].toFixed(0)} | ${p[3].toFixed(3)} | ${rows[i][5]} | ${rows[i][2]} | ${rows[i][4]} |`));
  }
}
