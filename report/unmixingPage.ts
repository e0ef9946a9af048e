/**
 * The self-contained HTML page of `atomdyn unmix`: the image, the dominant-component map, one
 * abundance map and one Fourier-plane tile per component, the scree curve (PCA of the same stack),
 * and a dendrogram of up to 300 windows (Ward) coloured by dominant component.
 */
import { page, keyValues, esc, fmt, type Section } from './htmlPage.ts';
import { dendrogramSvg, dominantMap, mapOverImage, planeTile, screeSvg, classColour, type MapGrid } from './analyticsFigures.ts';
import { featurePlane } from '../analytics/slidingFft.ts';
import type { ImageUnmixing } from '../analytics/imageUnmixing.ts';
import { PcaEstimator, PcaUnmixingModel } from '../analytics/unmixing/pca.ts';
import { AgglomerativeEstimator } from '../analytics/unmixing/agglomerative.ts';

const METHOD_NAMES: Record<string, string> = {
  nfindr: 'N-FINDR endmembers, fully constrained abundances',
  nmf: 'non-negative matrix factorisation',
  pca: 'principal components',
  ica: 'independent components (FastICA)',
  kmeans: 'k-means clusters',
  agglomerative: 'agglomerative clusters',
};

/**
 * Build the page.
 * @param source the image file, for the title
 * @param image row-major `[height, width]` pixels of the analysed frame
 * @param pixelSizePm pixel size, or null when unknown
 */
export async function unmixingPage(source: string, image: ArrayLike<number>, width: number, height: number, r: ImageUnmixing, pixelSizePm: number | null, command: string[]): Promise<string> {
  const { stack, model } = r;
  const K = model.components.length;
  const grid: MapGrid = { gridWidth: stack.gridWidth, gridHeight: stack.gridHeight, firstX: stack.centreX[0], firstY: stack.centreY[0], step: stack.step };
  const sections: Section[] = [];
  const lengths = (px: number) => (pixelSizePm ? `${px} px (${fmt((px * pixelSizePm) / 1000, 2)} nm)` : `${px} px`);
  sections.push({
    id: 'summary',
    title: 'Summary',
    html: keyValues([
      ['image', esc(source)],
      ['size', `${width} x ${height} px${pixelSizePm ? `, ${fmt(pixelSizePm, 2)} pm/px` : ', pixel size unknown'}`],
      ['method', esc(METHOD_NAMES[model.method] ?? model.method)],
      ['components', String(K)],
      ['window / step', `${lengths(stack.window)} / ${lengths(stack.step)}`],
      ['windows x frequencies', `${stack.n} x ${stack.d} (of ${stack.window * stack.window} Fourier bins per window)`],
      ['reconstruction error', `${fmt(model.reconstructionError, 4)} (Frobenius, log-amplitude units)`],
      ['command', `<code>atomdyn ${esc(command.join(' '))}</code>`],
    ]),
  });
  const maps = [`<figure><img src="${await mapOverImage(image, width, height, null, null)}" alt="image"><figcaption>the image</figcaption></figure>`];
  maps.push(`<figure><img src="${await dominantMap(image, width, height, model.loadings, K, grid)}" alt="dominant component"><figcaption>dominant component per window: ${Array.from({ length: K }, (_, k) => `<span class="swatch" style="background:${classColour(k)}"></span>c${k}`).join(' ')}</figcaption></figure>`);
  sections.push({ id: 'maps', title: 'Maps', html: maps.join('\n') });
  const comps: string[] = [];
  for (let k = 0; k < K; k++) {
    const values = Float64Array.from({ length: stack.n }, (_, i) => model.loadings[i * K + k]);
    // PCA and ICA loadings are signed: show the positive part
    const shown = model.method === 'pca' || model.method === 'ica' ? values.map((v) => Math.max(0, v)) : values;
    comps.push(
      `<div><h3><span class="swatch" style="background:${classColour(k)}"></span>c${k}</h3>` +
        `<figure><img src="${await mapOverImage(image, width, height, shown, grid, classColour(k), 360)}" alt="c${k} map"><figcaption>abundance of c${k}${model.method === 'pca' || model.method === 'ica' ? ' (positive scores)' : ''}</figcaption></figure>` +
        `<figure><img src="${await planeTile(featurePlane(stack, model.components[k]), stack.window)}" alt="c${k} FFT"><figcaption>c${k} on the Fourier plane (log amplitude)</figcaption></figure></div>`,
    );
  }
  sections.push({ id: 'components', title: 'Components', html: comps.join('\n') });
  const scree = model instanceof PcaUnmixingModel && model.scree.length > K ? model.scree : new PcaEstimator({ nComponents: Math.min(K, stack.d, stack.n), screeComponents: Math.min(20, stack.d, stack.n), seed: 0 }).fit(stack).scree;
  sections.push({ id: 'scree', title: 'Scree', html: `<div class="chart">${screeSvg(scree, K)}</div><p class="note">Explained-variance ratio of the principal components of the same stack; the knee suggests how many components the image holds.</p>` });
  const every = Math.max(1, Math.ceil(stack.n / 300));
  const idx = Array.from({ length: Math.ceil(stack.n / every) }, (_, i) => i * every);
  if (idx.length >= 2) {
    const sub = idx.map((i) => Array.from(stack.data.subarray(i * stack.d, (i + 1) * stack.d)));
    const tree = new AgglomerativeEstimator({ nComponents: 1 }).fit(sub).dendrogram;
    const dom = idx.map((i) => {
      let b = 0;
      for (let k = 1; k < K; k++) if (model.loadings[i * K + k] > model.loadings[i * K + b]) b = k;
      return b;
    });
    sections.push({ id: 'dendrogram', title: 'Dendrogram', html: `<div class="chart">${dendrogramSvg(tree, dom)}</div><p class="note">Ward clustering of ${idx.length} evenly spaced windows; the bar under each leaf is the window's dominant component.</p>` });
  }
  return page(`Sliding-window FFT unmixing: ${source.split('/').pop()}`, `${METHOD_NAMES[model.method] ?? model.method}, K = ${K}`, sections);
}
