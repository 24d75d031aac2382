// Errors of the geography module: a reference to a zone, POI or POI kind that
// does not exist, and a geography data file that cannot be read. They carry
// what was asked for, so the rule layer can report it; never thrown for a
// point that is merely outside the map (that is `undefined` or `false`).

import { IocError, InvalidArgumentError } from '../errors/index.ts';

export type GeoRefKind = 'zone' | 'poi' | 'poi-kind';

/** A zone id, POI id or POI kind that the loaded data does not have. */
export class UnknownGeoRefError extends IocError {
  readonly refKind: GeoRefKind;
  readonly ref: string;

  constructor(refKind: GeoRefKind, ref: string, known: readonly string[]) {
    super('not_found', `unknown ${refKind.replace('-', ' ')} "${ref}" (${describeKnown(known)})`);
    this.refKind = refKind;
    this.ref = ref;
  }
}

function describeKnown(known: readonly string[]): string {
  if (known.length === 0) return 'none are loaded';
  const shown = known.slice(0, 8).join(', ');
  return known.length > 8 ? `known: ${shown}, ... ${known.length - 8} more` : `known: ${shown}`;
}

/** One problem in a data file, at a position when the format has one. */
export interface GeoDataProblem {
  /** 1-based; 0 when the format gives no position (JSON). */
  line: number;
  column: number;
  /** Where in the document, e.g. `features[3].geometry.coordinates[0][2]` or `pois[1].lat`. */
  path: string;
  message: string;
}

/** A zones (GeoJSON) or POI file that cannot be used; lists every problem found, each with its place. */
export class GeoDataError extends InvalidArgumentError {
  readonly file: string;
  readonly problems: readonly GeoDataProblem[];

  constructor(file: string, problems: readonly GeoDataProblem[], options?: { cause?: unknown }) {
    super(problems.map((p) => `${file}${p.line > 0 ? `:${p.line}:${p.column}` : ''}: ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n'), options);
    this.file = file;
    this.problems = problems;
  }
}
