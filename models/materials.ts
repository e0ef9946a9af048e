/**
 * In-plane lattice constants of the materials atomdyn knows, pm, used to check the pixel size of a
 * frame against its lattice (inference/calibrationCheck.ts) when the user names the material (or its
 * elements through `--species`). A model trained for a family (the `mx2` model uses a = 320 pm for
 * MoS2, WS2 and WSe2) would bias the lattice-derived scale by a few percent without it.
 * Values: graphene 246 pm; 2H/1H MoS2 316, WS2 315, MoSe2 329, WSe2 328 pm (Wilson & Yoffe, Adv. Phys.
 * 18, 193 (1969)).
 */

/** Lattice constant a by material name, pm. */
export const LATTICE_CONSTANT_PM: Readonly<Record<string, number>> = Object.freeze({
  graphene: 246,
  MoS2: 316,
  WS2: 315,
  MoSe2: 329,
  WSe2: 328,
});

/**
 * The material named by a species -> element map, e.g. { metal: 'W', chalcogen: 'Se2' } -> 'WSe2';
 * null when the elements do not name a known material.
 */
export function materialFromElements(elements: Record<string, string>): string | null {
  const els = Object.values(elements).map((e) => e.replace(/\d+$/, ''));
  const metal = els.find((e) => e === 'Mo' || e === 'W');
  const chalc = els.find((e) => e === 'S' || e === 'Se');
  if (metal && chalc) return `${metal}${chalc}2`;
  if (els.includes('C')) return 'graphene';
  return null;
}

/**
 * Parse `--species metal=W,chalcogen=Se2` into a map.
 * @throws Error with the offending part when an entry is not NAME=ELEMENT
 */
export function parseSpeciesElements(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z_][\w-]*)=([A-Z][a-z]?\d*)$/.exec(part);
    if (!m) throw new Error(`'${part}' is not NAME=ELEMENT (e.g. metal=W)`);
    out[m[1]] = m[2];
  }
  return out;
}
