/** The drift plot: SVG content and its PNG rasterisation. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { driftPlotSvg, writeDriftPlot } from '../report/driftPlot.ts';
import { zeroDrift, type DriftTrack } from '../dynamics/registration/driftCorrection.ts';

const track: DriftTrack = {
  ...zeroDrift([0, 1, 2, 3]),
  dx: Float64Array.from([0, 1.5, 3.1, 4.4]),
  dy: Float64Array.from([0, 0.2, -0.1, 0.5]),
  ambiguous: Uint8Array.from([0, 0, 1, 0]),
  method: 'frames',
};

describe('drift plot', () => {
  it('draws the path and the time series, marks ambiguous frames, and labels units', () => {
    const svg = driftPlotSvg(track, { pixelSizePm: 31.25 });
    expect(svg).toMatch(/^<svg /);
    expect(svg).toMatch(/dx \(pm\)/);
    expect(svg).toMatch(/registered on frames/);
    expect((svg.match(/<polyline/g) ?? []).length).toBe(3);
    expect((svg.match(/<circle[^>]*fill="#d62728"/g) ?? []).length).toBe(1); // one ambiguous point
    expect(svg).toMatch(/1 ambiguous registration \(red\)/);
    expect(driftPlotSvg(track)).toMatch(/dx \(px\)/);
  });

  it('writes a 900 x 400 PNG', async () => {
    const f = path.join(mkdtempSync(path.join(os.tmpdir(), 'atomdyn-plot-')), 'drift.png');
    await writeDriftPlot(f, track);
    const png = readFileSync(f);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([900, 400]);
  });
});
