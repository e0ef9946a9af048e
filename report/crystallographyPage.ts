/**
 * The self-contained HTML page of `atomdyn crystallography`: atoms coloured by class over the image,
 * the neighbour distance and angle statistics per class, the scree curve of the neighbour
 * descriptors and a dendrogram of up to 300 atoms (Ward) coloured by class.
 */
import { page, keyValues, esc, fmt, type Section } from './htmlPage.ts';
import { classColour, classMapSvg, dendrogramSvg, screeSvg } from './analyticsFigures.ts';
import type { CrystallographyResult } from '../analytics/crystallography.ts';
import { PcaEstimator } from '../analytics/unmixing/pca.ts';
import { AgglomerativeEstimator } from '../analytics/unmixing/agglomerative.ts';

/** One analysed frame. */
export interface CrystallographyFrame {
  frame: number;
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  result: CrystallographyResult;
  /** The frame's image, or null. */
  image: { data: ArrayLike<number>; width: number; height: number } | null;
}

/**
 * Build the page (the first frame's map and statistics; the CSV files hold every frame).
 * @param pixelSizePm pixel size, or null
 */
export async function crystallographyPage(source: string, f: CrystallographyFrame, pixelSizePm: number | null, command: string[], frames: number): Promise<string> {
  const r = f.result;
  const o = r.options;
  const unit = pixelSizePm ? 'pm' : 'px';
  const len = (px: number) => (pixelSizePm ? px * pixelSizePm : px);
  const sections: Section[] = [];
  const labels = r.atoms.map((a) => a.label);
  sections.push({
    id: 'summary',
    title: 'Summary',
    html: keyValues([
      ['atoms', esc(source)],
      ['frames', String(frames)],
      ['atoms in frame ' + f.frame, `${r.atoms.length} (${labels.filter((l) => l < 0).length} at the edge, class -1)`],
      ['descriptor', `vectors to the ${o.neighbours} nearest neighbours, ordered by ${o.order}${o.order === 'angle' ? ` (counter-clockwise from ${fmt(r.angleCutDeg, 1)}°)` : ''}`],
      ['classes', `${r.classes.length} by ${o.method === 'pca' ? `k-means on ${o.pcaComponents} principal components` : o.method === 'gmm' ? 'Gaussian mixture (full covariance)' : 'k-means'}`],
      ['nearest-neighbour distance', `${fmt(len(r.nearestNeighbourDistance), 3)} ${unit} (median)`],
      ['command', `<code>atomdyn ${esc(command.join(' '))}</code>`],
    ]),
  });
  const w = f.image?.width ?? Math.ceil(Math.max(...Array.from(f.xs)) + 1);
  const h = f.image?.height ?? Math.ceil(Math.max(...Array.from(f.ys)) + 1);
  const swatches = r.classes.map((c, k) => `<span class="swatch" style="background:${classColour(k)}"></span>class ${k} (${c.count})`).join(' ');
  sections.push({ id: 'map', title: 'Class map', html: `<figure>${await classMapSvg(f.image?.data ?? null, w, h, f.xs, f.ys, labels.map((l) => (l < 0 ? 9 : l)))}<figcaption>frame ${f.frame}: ${swatches}; grey-brown: edge atoms</figcaption></figure>` });
  const rows = r.classes.flatMap((c, k) =>
    c.slots.map((s, slot) => `<tr><td class="text"><span class="swatch" style="background:${classColour(k)}"></span>${k}</td><td>${slot}</td><td>${fmt(len(s.meanDistance), 3)}</td><td>${fmt(len(s.sdDistance), 3)}</td><td>${fmt(s.meanAngleDeg, 1)}</td><td>${fmt(s.sdAngleDeg, 1)}</td></tr>`),
  );
  sections.push({
    id: 'statistics',
    title: 'Neighbour statistics',
    html: `<table><tr><th class="text">class</th><th>slot</th><th>distance (${unit})</th><th>sd</th><th>angle (°)</th><th>sd (°)</th></tr>${rows.join('')}</table><p class="note">Angles counter-clockwise from +x with y up (the image's rows run down).</p>`,
  });
  const interior = r.atoms.map((_, i) => i).filter((i) => labels[i] >= 0);
  const X = interior.map((i) => r.descriptors[i]);
  const d = 2 * o.neighbours;
  if (X.length >= 3) {
    const scree = new PcaEstimator({ nComponents: 1, screeComponents: Math.min(d, X.length), seed: 0 }).fit(X).scree;
    sections.push({ id: 'scree', title: 'Scree', html: `<div class="chart">${screeSvg(scree, Math.min(o.pcaComponents, d))}</div><p class="note">Explained-variance ratio of the principal components of the neighbour vectors.</p>` });
    const every = Math.max(1, Math.ceil(X.length / 300));
    const sub = interior.filter((_, k) => k % every === 0);
    const tree = new AgglomerativeEstimator({ nComponents: 1 }).fit(sub.map((i) => r.descriptors[i])).dendrogram;
    sections.push({ id: 'dendrogram', title: 'Dendrogram', html: `<div class="chart">${dendrogramSvg(tree, sub.map((i) => labels[i]))}</div><p class="note">Ward clustering of ${sub.length} evenly sampled atoms; the bar under each leaf is the atom's class.</p>` });
  }
  return page(`Local crystallography: ${source.split('/').pop()}`, `${r.classes.length} classes from ${o.neighbours}-neighbour vectors`, sections);
}
