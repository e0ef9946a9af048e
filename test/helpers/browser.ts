import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** Debian's chromium (CI installs it; here: apt-get install -y chromium), or ATOMDYN_CHROMIUM. */
export const CHROMIUM = process.env.ATOMDYN_CHROMIUM ?? '/usr/bin/chromium';
/** True when the browser checks can run. */
export const haveChromium = existsSync(CHROMIUM);
/** Where screenshots go. */
export const SHOTS = path.resolve('out/test');

/**
 * Open a report page in headless Chromium (playwright-core), collect console errors/warnings,
 * page errors, failed and network requests, read the transition-matrix cells and the image widths,
 * and save a full-page screenshot as SHOTS/<shot>.
 */
export async function openReport(file: string, shot: string) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()}`));
    page.on('request', (r) => { if (!/^(file|data):/.test(r.url())) problems.push(`network request: ${r.url()}`); });
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    const cells = await page.$$eval('#transition-matrix td.cell', (tds) => tds.map((td) => ({
      from: td.getAttribute('data-from'), to: td.getAttribute('data-to'), p: td.getAttribute('data-p'), shown: td.querySelector('.p')?.textContent ?? '',
    })));
    const images = await page.$$eval('img', (els) => els.map((e) => (e as HTMLImageElement).naturalWidth));
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, shot), fullPage: true });
    return { problems, cells, images, title: await page.title(), noConfig: await page.$('#no-configurations') };
  } finally {
    await browser.close();
  }
}
