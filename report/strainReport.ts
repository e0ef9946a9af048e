/**
 * The self-contained HTML page of the `strain` step: per frame, the median cell (sides, angle, area)
 * with robust spread and error bars, maps of the cells coloured by side, area and strain (with maps of
 * the strain's standard errors beside), histograms, and the B-site displacement arrows. Units stated
 * on every figure.
 */
import type { CellAnalysis } from '../analytics/cells/cellAnalysis.ts';
import type { Region } from '../analytics/cells/unitCells.ts';
import type { RobustSummary } from '../analytics/cells/robustSummary.ts';
import { arrowMapSvg, cellMapSvg, histogramSvg, type MapCell } from './cellMaps.ts';
import { esc, keyValues, page, type Section } from './htmlPage.ts';

/** What the page shows. */
export interface StrainReportInput {
  input: string;
  frames: Array<{ frame: number; analysis: CellAnalysis }>;
  pixelSizePm: number | null;
  region: Region | null;
  /** Frame size in px (map extent); null = the extent of the atoms. */
  extent: { width: number; height: number } | null;
  latticeSpecies: string | null;
  centreSpecies: string | null;
  warnings: string[];
}

function summaryLine(s: RobustSummary, scale: number, unit: string, digits: number): string {
  const f = (v: number) => (v * scale).toFixed(digits);
  return `${f(s.median)} ± ${f(s.medianErr)} ${unit} (median ± its standard error; robust spread ${f(s.spread)} ${unit}; typical cell error ${f(s.typicalErr)} ${unit}; n = ${s.n})`;
}

/**
 * Build the page.
 * @returns the HTML text
 */
export function strainReportHtml(r: StrainReportInput): string {
  const sections: Section[] = [];
  const u = r.pixelSizePm;
  const len = u ? { scale: u, unit: 'pm', area: 'pm²', a2: u * u } : { scale: 1, unit: 'px', area: 'px²', a2: 1 };
  for (const { frame, analysis } of r.frames.slice(0, 4)) {
    const m = analysis.measurements;
    let maxX = 0, maxY = 0;
    for (const c of m) {
      maxX = Math.max(maxX, c.x + c.sideA + c.sideB);
      maxY = Math.max(maxY, c.y + c.sideA + c.sideB);
    }
    const width = r.extent?.width ?? maxX, height = r.extent?.height ?? maxY;
    const poly = (value: (c: (typeof m)[number]) => number): MapCell[] =>
      m.map((c) => ({ corners: c.polygon, value: value(c) }));
    const s = analysis.summary;
    const rows: Array<[string, string]> = [
      ['cells', `${m.length} complete ${m[0]?.shape ?? ''}s (edge cells left out)`],
      ['side a', summaryLine(s.sideA, len.scale, len.unit, u ? 1 : 3)],
      ['side b', summaryLine(s.sideB, len.scale, len.unit, u ? 1 : 3)],
      ['ratio b / a', (s.sideB.median / s.sideA.median).toFixed(4)],
      ['angle', summaryLine(s.angle, 1, 'deg', 2)],
      ['area', `${summaryLine(s.area, len.a2, len.area, u ? 0 : 2)}; the median area is the square of ${(Math.sqrt(s.area.median) * len.scale).toFixed(u ? 1 : 3)} ${len.unit}`],
      ['e_xx', summaryLine(s.exx, 100, '%', 3)],
      ['e_yy', summaryLine(s.eyy, 100, '%', 3)],
      ['e_xy', summaryLine(s.exy, 100, '%', 3)],
      ['rotation', summaryLine(s.rotation, 1, 'deg', 3)],
      ['reference', r.region ? `cells with centres in x ${r.region.x}..${r.region.x + r.region.width}, y ${r.region.y}..${r.region.y + r.region.height} px` : 'the mean lattice of all cells'],
    ];
    let html = keyValues(rows.map(([k, v]) => [k, esc(v)]));
    html += `<p class="note">Maps: x right, y down, in pixels of the frame; each cell coloured by its value. Strain is the small-strain tensor of the cell against the reference lattice (e_xy is the tensor shear); rotation counter-clockwise on screen. Error bars are first-order propagations of each atom's position standard error (sigma_pm) and of the reference lattice's.</p>`;
    const maps: Array<[string, (c: (typeof m)[number]) => number, string, boolean]> = [
      [`side a (${len.unit})`, (c) => c.sideA * len.scale, len.unit, false],
      [`side b (${len.unit})`, (c) => c.sideB * len.scale, len.unit, false],
      [`area (${len.area})`, (c) => c.area * len.a2, len.area, false],
      ['e_xx (%)', (c) => 100 * c.exx, '%', true],
      ['e_xx standard error (%)', (c) => 100 * c.exxErr, '%', false],
      ['e_yy (%)', (c) => 100 * c.eyy, '%', true],
      ['e_yy standard error (%)', (c) => 100 * c.eyyErr, '%', false],
      ['e_xy (%)', (c) => 100 * c.exy, '%', true],
      ['rotation (deg)', (c) => c.rotation, 'deg', true],
    ];
    html += maps.map(([title, f, unit, div]) => `<figure>${cellMapSvg(poly(f), width, height, title, unit, div)}</figure>`).join('');
    html += '<h3>Histograms</h3>';
    html += [
      histogramSvg(m.map((c) => c.sideA * len.scale), 'side a', len.unit),
      histogramSvg(m.map((c) => c.sideB * len.scale), 'side b', len.unit),
      histogramSvg(m.map((c) => c.angle), 'angle', 'deg'),
      histogramSvg(m.map((c) => c.area * len.a2), 'area', len.area),
      histogramSvg(m.map((c) => 100 * c.exx), 'e_xx', '%'),
      histogramSvg(m.map((c) => 100 * c.eyy), 'e_yy', '%'),
    ].map((svg) => `<figure>${svg}</figure>`).join('');
    if (analysis.displacements.length) {
      const d = analysis.displacements;
      const mags = d.map((t) => Math.hypot(t.dx, t.dy) * len.scale);
      const typical = Math.max(1e-9, mags.sort((p, q) => p - q)[mags.length >> 1] / len.scale);
      const gain = (0.25 * Math.min(s.sideA.median, s.sideB.median)) / typical;
      html += `<h3>B-site displacements (${esc(r.centreSpecies ?? 'B')} from the centre of the ${esc(r.latticeSpecies ?? 'A')} cell)</h3>`;
      html += `<p class="note">${d.length} displacements, median magnitude ${(typical * len.scale).toFixed(2)} ${len.unit}, typical standard error per coordinate ${(d.map((t) => t.dxErr).sort((p, q) => p - q)[d.length >> 1] * len.scale).toFixed(2)} ${len.unit}; arrows drawn ${gain.toFixed(0)} x longer. In PbTiO3 the polarisation points against the Ti displacement.</p>`;
      html += `<figure>${arrowMapSvg(d, [], width, height, gain, 'B-site displacement arrows')}</figure>`;
      html += `<figure>${histogramSvg(d.map((t) => t.dx * len.scale), 'displacement dx', len.unit)}</figure><figure>${histogramSvg(d.map((t) => t.dy * len.scale), 'displacement dy', len.unit)}</figure>`;
    }
    sections.push({ id: `frame-${frame}`, title: `Frame ${frame}`, html });
  }
  if (r.frames.length > 4) sections.push({ id: 'more', title: 'More frames', html: `<p>${r.frames.length - 4} further frames are in cells.csv and strain.csv.</p>` });
  if (r.warnings.length) sections.push({ id: 'warnings', title: 'Warnings', html: r.warnings.map((w) => `<p class="warn">${esc(w)}</p>`).join('') });
  return page('atomdyn strain', `${r.input}${u ? `, ${u.toFixed(3)} pm/px` : ', uncalibrated (lengths in px)'}`, sections);
}
