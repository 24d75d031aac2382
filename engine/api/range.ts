// HTTP byte ranges (RFC 9110 §14) for large files read piecewise, such as the
// console's PMTiles base map: parse `Range`, honour `If-Range` and
// `If-None-Match`, answer 206/304/416, and stream only the bytes asked for.
// It must never read a whole file into memory.

import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Inclusive byte positions, as in `Content-Range: bytes start-end/size`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * What a `Range` header asks of a representation of `size` bytes:
 * - `full`: no usable range (absent, another unit, bad syntax): send 200 with everything;
 * - `partial`: one satisfiable range: send 206 with it;
 * - `unsatisfiable`: no range overlaps the file: send 416 with `Content-Range: bytes *\/size`;
 * - `multiple`: several ranges of which at least one overlaps. We answer those with 200 and
 *   the whole file, which RFC 9110 allows (a server may ignore Range); no PMTiles client asks
 *   for several ranges, and multipart/byteranges would be code that nothing calls.
 */
export type RangeRequest =
  | { kind: 'full' }
  | { kind: 'partial'; range: ByteRange }
  | { kind: 'unsatisfiable' }
  | { kind: 'multiple' };

const SPEC = /^(\d*)-(\d*)$/;

/**
 * Parses a `Range` header against a representation of `size` bytes. Syntax errors
 * make the header ignored (200), as RFC 9110 asks; an end past the file is clamped.
 * @example parseRange('bytes=0-99', 1000)   // { kind: 'partial', range: { start: 0, end: 99 } }
 * @example parseRange('bytes=-100', 1000)   // { kind: 'partial', range: { start: 900, end: 999 } }
 * @example parseRange('bytes=2000-', 1000)  // { kind: 'unsatisfiable' }
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'full' };
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'full' };
  const specs = header.slice(eq + 1).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length === 0) return { kind: 'full' };
  const ranges: (ByteRange | undefined)[] = [];
  for (const spec of specs) {
    const m = SPEC.exec(spec);
    if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
    // Positions beyond 2^53 cannot name a byte of any file we serve; treat them as syntax we ignore.
    const first = m[1] === '' ? undefined : Number(m[1]);
    const last = m[2] === '' ? undefined : Number(m[2]);
    if ((first !== undefined && !Number.isSafeInteger(first)) || (last !== undefined && !Number.isSafeInteger(last))) return { kind: 'full' };
    if (first !== undefined && last !== undefined && last < first) return { kind: 'full' };
    ranges.push(satisfiable(first, last, size));
  }
  const usable = ranges.filter((r) => r !== undefined);
  if (usable.length === 0) return { kind: 'unsatisfiable' };
  if (specs.length > 1) return { kind: 'multiple' };
  return { kind: 'partial', range: usable[0]! };
}

/** The bytes a single range spec selects from `size` bytes, or undefined when none. */
function satisfiable(first: number | undefined, last: number | undefined, size: number): ByteRange | undefined {
  if (first === undefined) {
    // Suffix range: the last `last` bytes; `-0` selects nothing.
    if (last === 0 || size === 0) return undefined;
    return { start: Math.max(0, size - last!), end: size - 1 };
  }
  if (first >= size) return undefined;
  return { start: first, end: last === undefined ? size - 1 : Math.min(last, size - 1) };
}

/** The entity tags listed in an `If-None-Match` value, weak prefixes dropped (it compares weakly). */
function etagList(value: string): string[] {
  return value.split(',').map((t) => t.trim().replace(/^W\//, '')).filter((t) => t !== '');
}

/**
 * True when `If-None-Match` says the client's copy is current: 304 instead of the body.
 * Evaluated before Range, as RFC 9110 §13.2.2 orders it.
 */
export function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const tags = etagList(ifNoneMatch);
  return tags.includes('*') || tags.includes(etag.replace(/^W\//, ''));
}

/**
 * True when `If-Range` lets the Range header apply: absent, or the same strong
 * entity tag, or exactly the Last-Modified date. Otherwise the client's pieces
 * belong to an older file and it must get the whole new one (200).
 */
export function rangeStillValid(ifRange: string | undefined, etag: string, lastModified: string): boolean {
  if (ifRange === undefined) return true;
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith('W/')) return !etag.startsWith('W/') && v === etag;
  return v === lastModified;
}

export interface RangedFileOptions {
  contentType: string;
  cacheControl: string;
  /** Extra headers on every answer (e.g. nosniff). */
  headers?: Record<string, string>;
}

/**
 * Answers GET or HEAD for a file with full Range support: `Accept-Ranges: bytes`,
 * one range → 206, none usable → 416, several → 200 with everything, a strong
 * ETag with If-None-Match (304) and If-Range. The file is opened once, so a file
 * replaced meanwhile is never mixed with its successor, and streamed.
 * @example await sendRangedFile(req, res, '/srv/hanoi.pmtiles', { contentType: 'application/vnd.pmtiles', cacheControl: 'no-cache' })
 */
export async function sendRangedFile(req: IncomingMessage, res: ServerResponse, path: string, o: RangedFileOptions): Promise<void> {
  const file = await open(path, 'r');
  try {
    const info = await file.stat();
    const size = info.size;
    // Strong: a pmtiles client ignores weak tags, and If-Range needs a strong one. Size and
    // mtime change whenever the file is rewritten or replaced.
    const etag = `"${size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const lastModified = info.mtime.toUTCString();
    const headers: Record<string, string> = {
      ...o.headers,
      'content-type': o.contentType,
      'cache-control': o.cacheControl,
      'accept-ranges': 'bytes',
      etag,
      'last-modified': lastModified,
    };
    if (notModified(req.headers['if-none-match'], etag)) {
      res.writeHead(304, headers).end();
      return;
    }
    const asked = rangeStillValid(header(req, 'if-range'), etag, lastModified) ? parseRange(header(req, 'range'), size) : { kind: 'full' as const };
    if (asked.kind === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'content-range': `bytes */${size}` })
        .end(req.method === 'HEAD' ? undefined : `range not satisfiable: the file has ${size} bytes\n`);
      return;
    }
    const range = asked.kind === 'partial' ? asked.range : { start: 0, end: size - 1 };
    const length = range.end - range.start + 1;
    if (asked.kind === 'partial') {
      res.writeHead(206, { ...headers, 'content-range': `bytes ${range.start}-${range.end}/${size}`, 'content-length': String(length) });
    } else {
      res.writeHead(200, { ...headers, 'content-length': String(size) });
    }
    if (req.method === 'HEAD' || length <= 0) {
      res.end();
      return;
    }
    await new Promise<void>((resolveSent, reject) => {
      const stream = file.createReadStream({ start: range.start, end: range.end, autoClose: false });
      stream.once('error', reject);
      res.once('close', () => {
        stream.destroy();
        resolveSent();
      });
      stream.pipe(res);
    });
  } finally {
    await file.close();
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}
