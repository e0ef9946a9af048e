/**
 * Centres of classification: the atoms whose surroundings are classified (by default the dopant,
 * e.g. Si in graphene), and the per-frame atom lists they are classified in.
 *
 * Atoms come from `atoms.csv` (step `locate`) or `tracks.csv` (step `track`), columns per
 * docs/schema.md: frame, x, y (px), species, element, and particle for tracks.
 */
import type { Table } from '../../data/csvTable.ts';
import { columnGetter } from '../../data/columnTable.ts';
import { AtomdynError } from '../../data/errors.ts';

/** One detected atom (column) in one frame. */
export interface AtomRecord {
  /** Row index in the input table (0-based, header excluded). */
  row: number;
  /** Frame index. */
  frame: number;
  /** Column position, px. */
  x: number;
  /** Row position, px. */
  y: number;
  /** Model class name (e.g. 'C', 'Si'). */
  species: string;
  /** Element of that class (e.g. 'C', 'Si'); the species name when the table has no element column. */
  element: string;
  /** Trajectory id, or null for atoms.csv. */
  particle: number | null;
}

/** The atoms of one frame, in input order. */
export interface FrameAtoms {
  frame: number;
  atoms: AtomRecord[];
}

/** The typed columns behind the records of {@link atomsFromTable}. */
interface AtomColumns {
  frame: Float64Array;
  x: Float64Array;
  y: Float64Array;
  /** Trajectory id, NaN for none. */
  particle: Float64Array;
  /** Codes into `names`. */
  species: Uint32Array;
  element: Uint32Array;
  names: string[];
}

/**
 * One atom of {@link atomsFromTable}: its row number and the columns it reads its values from (one
 * small object per atom instead of seven fields and two boxed numbers; the values are the same).
 */
class PackedAtom implements AtomRecord {
  constructor(private readonly cols: AtomColumns, readonly row: number) {}
  get frame(): number {
    return this.cols.frame[this.row];
  }
  get x(): number {
    return this.cols.x[this.row];
  }
  get y(): number {
    return this.cols.y[this.row];
  }
  get species(): string {
    return this.cols.names[this.cols.species[this.row]];
  }
  get element(): string {
    return this.cols.names[this.cols.element[this.row]];
  }
  get particle(): number | null {
    const p = this.cols.particle[this.row];
    return p !== p ? null : p;
  }
  /** The record as a plain object (JSON, logs). */
  toJSON(): AtomRecord {
    return { row: this.row, frame: this.frame, x: this.x, y: this.y, species: this.species, element: this.element, particle: this.particle };
  }
}

/**
 * Read atom records from a table with at least frame, x, y, species. The records read their values
 * from typed columns (a long movie's atoms stay small); they are read-only.
 * @param file used in error messages
 * @param order the rows to read, in this order (record k is row order[k]; its `row` and the line in
 *   messages are k's, as if the table held those rows only: data/tableChecks.ts checkedRows); default all rows
 * @throws AtomdynError naming the file for missing columns or non-numeric coordinates
 */
export function atomsFromTable(t: Table, file: string, order?: ArrayLike<number>): AtomRecord[] {
  for (const c of ['frame', 'x', 'y', 'species']) {
    if (!t.columns.includes(c)) throw new AtomdynError(file, `missing column '${c}' (has ${t.columns.join(', ')})`);
  }
  const hasElement = t.columns.includes('element');
  const hasParticle = t.columns.includes('particle');
  // the cells by column: a ColumnTable's rows are not made (data/columnTable.ts)
  const [gFrame, gX, gY, gSpecies, gElement, gParticle] = ['frame', 'x', 'y', 'species', 'element', 'particle'].map((c) => {
    const g = columnGetter(t, c);
    return order ? (k: number) => g(order[k]) : g;
  });
  const n = order ? order.length : t.rows.length;
  const cols: AtomColumns = {
    frame: new Float64Array(n),
    x: new Float64Array(n),
    y: new Float64Array(n),
    particle: new Float64Array(n).fill(NaN),
    species: new Uint32Array(n),
    element: new Uint32Array(n),
    names: [],
  };
  const codes = new Map<string, number>();
  const code = (s: string): number => {
    let c = codes.get(s);
    if (c === undefined) {
      c = cols.names.length;
      cols.names.push(s);
      codes.set(s, c);
    }
    return c;
  };
  const out: AtomRecord[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = { frame: gFrame(i), x: gX(i), y: gY(i), species: gSpecies(i), element: hasElement ? gElement(i) : null, particle: hasParticle ? gParticle(i) : null };
    const frame = r.frame;
    const x = r.x;
    const y = r.y;
    if (typeof frame !== 'number' || !Number.isInteger(frame) || frame < 0) throw new AtomdynError(file, `line ${i + 2}: frame must be an integer >= 0, found ${JSON.stringify(frame)}`);
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
      throw new AtomdynError(file, `line ${i + 2}: x and y must be numbers, found ${JSON.stringify(x)}, ${JSON.stringify(y)}`);
    }
    const species = r.species === null ? '' : String(r.species);
    if (!species) throw new AtomdynError(file, `line ${i + 2}: empty species`);
    const element = hasElement && r.element !== null && r.element !== '' ? String(r.element) : species;
    if (hasParticle && r.particle !== null) {
      if (typeof r.particle !== 'number' || !Number.isInteger(r.particle)) throw new AtomdynError(file, `line ${i + 2}: particle must be an integer, found ${JSON.stringify(r.particle)}`);
      cols.particle[i] = r.particle;
    }
    cols.frame[i] = frame;
    cols.x[i] = x;
    cols.y[i] = y;
    cols.species[i] = code(species);
    cols.element[i] = code(element);
    out[i] = new PackedAtom(cols, i);
  }
  return out;
}

/** Group atoms by frame, frames ascending. */
export function groupByFrame(atoms: AtomRecord[]): FrameAtoms[] {
  const m = new Map<number, AtomRecord[]>();
  for (const a of atoms) {
    let l = m.get(a.frame);
    if (!l) m.set(a.frame, (l = []));
    l.push(a);
  }
  return [...m.entries()].sort((a, b) => a[0] - b[0]).map(([frame, list]) => ({ frame, atoms: list }));
}

/** Count of atoms per species name. */
export function speciesCounts(atoms: AtomRecord[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const a of atoms) m.set(a.species, (m.get(a.species) ?? 0) + 1);
  return m;
}

/** The chosen centre species and where the choice came from. */
export interface CentreChoice {
  /** Species (or element) names whose atoms are centres; empty with `all`. */
  names: string[];
  /** True for `--centre all`. */
  all: boolean;
  /** 'command-line', 'model' (the model card's dopant) or 'rarest' (the rarest species in the table). */
  origin: 'command-line' | 'model' | 'rarest';
  /** Why there are no centres, when the default found no dopant. */
  note?: string;
}

/** A species is taken for a dopant by default only when it makes up less than this fraction of the atoms. */
export const DOPANT_MAX_FRACTION = 0.1;

/**
 * The dopant species named in a model card, if any. Understands `card.dopant` / `card.dopants`
 * (string or list), and `card.species` as a list or map of entries with `dopant: true` or
 * `role: 'dopant'`.
 */
export function dopantFromCard(card: unknown): string[] {
  if (!card || typeof card !== 'object') return [];
  const c = card as Record<string, unknown>;
  const asList = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
  const direct = [...asList(c.dopant), ...asList(c.dopants)];
  if (direct.length) return direct;
  const sp = c.species;
  const out: string[] = [];
  const isDopant = (e: Record<string, unknown>) => e.dopant === true || e.role === 'dopant';
  if (Array.isArray(sp)) {
    for (const e of sp) if (e && typeof e === 'object' && isDopant(e as Record<string, unknown>)) out.push(String((e as Record<string, unknown>).name ?? (e as Record<string, unknown>).species ?? ''));
  } else if (sp && typeof sp === 'object') {
    for (const [name, e] of Object.entries(sp as Record<string, unknown>)) if (e && typeof e === 'object' && isDopant(e as Record<string, unknown>)) out.push(name);
  }
  return out.filter(Boolean);
}

/**
 * Decide which atoms are centres: the `--centre` value; else the dopant named in the model card;
 * else the rarest species when it is rare (under {@link DOPANT_MAX_FRACTION} of the atoms), else
 * none (a pristine lattice, or a compound such as MX2 without a dopant), with `note` saying why.
 * @param flag the `--centre` value ('all', a species or element name, comma-separated list), or undefined
 * @param card the model card from run.json (model.card), if any
 * @throws AtomdynError('centre', ...) when the named species is absent from the table
 */
export function chooseCentres(atoms: AtomRecord[], flag: string | undefined, card: unknown): CentreChoice {
  if (flag !== undefined && flag.trim().toLowerCase() === 'all') return { names: [], all: true, origin: 'command-line' };
  const present = new Set<string>();
  for (const a of atoms) {
    present.add(a.species);
    present.add(a.element);
  }
  if (flag !== undefined && flag.trim() !== '') {
    const names = flag.split(',').map((s) => s.trim()).filter(Boolean);
    const missing = names.filter((n) => !present.has(n));
    if (missing.length === names.length) {
      throw AtomdynError.forOption('centre', `no atoms of ${missing.join(', ')} in the table (species present: ${[...new Set(atoms.map((a) => a.species))].join(', ') || 'none'})`);
    }
    return { names, all: false, origin: 'command-line' };
  }
  const fromCard = dopantFromCard(card).filter((n) => present.has(n));
  if (fromCard.length) return { names: fromCard, all: false, origin: 'model' };
  const counts = speciesCounts(atoms);
  if (counts.size === 0) return { names: [], all: false, origin: 'rarest', note: 'the table holds no atoms' };
  if (counts.size === 1) return { names: [], all: false, origin: 'rarest', note: `only one species (${[...counts.keys()][0]}) was found: no dopant to classify` };
  let rarest = '';
  let min = Infinity;
  for (const [s, c] of [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (c < min) {
      min = c;
      rarest = s;
    }
  }
  if (min / atoms.length >= DOPANT_MAX_FRACTION) {
    return { names: [], all: false, origin: 'rarest', note: `no dopant: the rarest species, ${rarest}, is ${((100 * min) / atoms.length).toFixed(0)} % of the atoms` };
  }
  return { names: [rarest], all: false, origin: 'rarest' };
}

/** True when atom `a` is a centre under `choice`. */
export function isCentre(a: AtomRecord, choice: CentreChoice): boolean {
  return choice.all || choice.names.includes(a.species) || choice.names.includes(a.element);
}

/** The `--centre` value that makes the point defects (tracks.csv rows of species `defect`) the centres. */
export const DEFECT_CENTRES = 'defects';

/**
 * Whether the centres are point defects (docs/schema.md, "Defect centres"), and which: `--centre
 * defects` (all of them), `--centre vac_Se,V_Mo` (defect names), or no `--centre` when the table holds
 * defects and its atoms no dopant (an MX2 movie: {@link chooseCentres} finds none).
 * @param defects the table's defect rows (species `defect`, element = the defect name)
 * @param atoms the other rows
 * @returns the defect rows to classify, or null when the centres are atoms
 * @throws AtomdynError naming the option `centre` for `defects` on a table without defect rows
 */
export function chooseDefectCentres(flag: string | undefined, defects: AtomRecord[], atoms: AtomRecord[], card: unknown): AtomRecord[] | null {
  const f = flag?.trim();
  if (f === DEFECT_CENTRES) {
    if (!defects.length) throw AtomdynError.forOption('centre', 'the table holds no point defects (species defect: track the atoms of a locate run that wrote sites.csv, an MX2 material)');
    return defects;
  }
  if (f && f.toLowerCase() !== 'all') {
    const names = f.split(',').map((s) => s.trim()).filter(Boolean);
    const kinds = new Set(defects.map((d) => d.element));
    if (names.length && names.every((n) => kinds.has(n))) return defects.filter((d) => names.includes(d.element));
    return null;
  }
  if (f === undefined && defects.length && !chooseCentres(atoms, undefined, card).names.length) return defects;
  return null;
}
