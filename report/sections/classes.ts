/**
 * Report section "Classes": the class gallery, a table of the classes with the configuration
 * (formula) that dominates each and its purity, and, when K was chosen by BIC, the BIC curve with a
 * warning when the chosen K is the largest one tried.
 */
import path from 'node:path';
import { esc, figure, fmt, STATE_COLOURS } from '../htmlPage.ts';
import { bicSpec, renderVegaLite } from '../vegaCharts.ts';
import { stateNameOf, type SectionBuilder } from '../reportContext.ts';

/** Present when configurations were classified (or, without configurations.csv, a gallery exists). */
export const classesSection: SectionBuilder = {
  id: 'classes',
  async build(ctx) {
    const f = ctx.folder;
    const names = ctx.stateNames;
    const classified = !!f.configurations && f.configurations.rows.some((r) => typeof r.state === 'number');
    if (!classified && (f.configurations || !f.figures.gallery.length)) return null;
    const parts: string[] = [];
    for (const png of f.figures.gallery) parts.push(figure(png, `${path.basename(png)}: per class, the mean configuration (with every member's neighbours) and examples, aligned to the class orientation; the dashed circle's radius is printed in the title line.`, 'data-figure="gallery"'));
    if (f.configurations) {
      const stats = new Map<string, { n: number; particles: Set<unknown>; formulas: Map<string, number>; p: number; np: number }>();
      for (const r of f.configurations.rows) {
        const name = stateNameOf(r);
        if (!name) continue;
        const s = stats.get(name) ?? { n: 0, particles: new Set(), formulas: new Map(), p: 0, np: 0 };
        s.n++;
        s.particles.add(r.particle);
        const fm = r.formula ? String(r.formula) : '(no complex)';
        s.formulas.set(fm, (s.formulas.get(fm) ?? 0) + 1);
        if (typeof r.probability === 'number') {
          s.p += r.probability;
          s.np++;
        }
        stats.set(name, s);
      }
      const rows = names.map((n, i) => {
        const s = stats.get(n);
        const fs = [...(s?.formulas ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]);
        const purity = s && fs.length ? fs[0][1] / s.n : NaN;
        const others = fs.slice(1).map(([k, c]) => `${esc(k)} ${c}`).join(', ');
        return `<tr data-state="${esc(n)}" data-purity="${Number.isFinite(purity) ? purity : ''}"><th class="text"><span class="swatch" style="background:${STATE_COLOURS[i % STATE_COLOURS.length]}"></span>${esc(n)}</th><td class="text">${fs.length ? esc(fs[0][0]) : '–'}</td><td>${Number.isFinite(purity) ? `${fmt(100 * purity, 1)} %` : '–'}</td><td class="text">${others || '<span class="note">none</span>'}</td><td>${s?.n ?? 0}</td><td>${s && ctx.frameCount > 1 ? s.particles.size : '–'}</td><td>${s && s.np ? fmt(s.p / s.np) : '–'}</td></tr>`;
      }).join('');
      parts.push(`<table id="class-table"><tr><th class="text">class</th><th class="text">dominant configuration</th><th>purity</th><th class="text">other configurations</th><th>observations</th><th>particles</th><th>mean probability</th></tr>${rows}</table><p class="note">A class is named by the configuration (formula of the bonded complex) that most of its members have; purity is the share of members with it. Two classes dominated by the same configuration are told apart as -a (the larger) and -b.</p>`);
    }
    const bic = f.model?.bic as Array<{ k: number; bic: number; nSamples?: number }> | null | undefined;
    const k = f.model?.k as number | undefined;
    if (bic && bic.length > 1 && typeof k === 'number') {
      const kMax = Math.max(...bic.map((b) => b.k));
      if (k === kMax) parts.push(`<div class="warn" id="bic-edge">K = ${k} is the largest number of classes tried (1 to ${kMax}): the BIC may fall further beyond the search range, or the classes split one configuration. Compare the class purities above, and rerun classify with --classes N or a larger --max-classes.</div>`);
      parts.push(`<h3>Number of classes (BIC)</h3><div class="chart" data-chart="bic" data-k="${k}" data-k-max="${kMax}">${await renderVegaLite(bicSpec(bic, k))}</div><p class="note">Bayesian information criterion of the mixture against K (lower is better; ${bic[0]?.nSamples ?? '?'} samples); the chosen K is marked.</p>`);
    }
    return { id: 'classes', title: 'Classes (local configurations)', html: parts.join('\n') };
  },
};
