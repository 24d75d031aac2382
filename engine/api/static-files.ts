// Serves the built console (console/dist) from the engine's HTTP port: right
// content types, long caching for Vite's hashed assets, index.html for client-side
// routes. It must never serve a file outside its root, nor a dotfile.

import { createReadStream } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { ConfigError } from '../errors/index.ts';
import type { HttpRoute } from './grpc-web.ts';
import { sendRangedFile } from './range.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.geojson': 'application/geo+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.pbf': 'application/x-protobuf',
  '.wasm': 'application/wasm',
};

/** Vite names everything under assets/ by content hash, so those never change. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (index.html above all) must be revalidated, so a new build shows at once. */
const REVALIDATE = 'no-cache';

/**
 * The console page's Content-Security-Policy: only this origin, no eval, no inline
 * script or style (Lit adopts constructed stylesheets, MapLibre styles through the
 * CSSOM; both are allowed). `blob:` is for MapLibre's images and a cross-origin worker.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Creates the route that serves files under `rootDir`. It takes every GET and HEAD
 * (answering 404 itself for a missing asset), so mount it after the other routes.
 * It also answers BASE_MAP_INFO_PATH and BASE_MAP_PATH (the optional PMTiles base map).
 * @example http.createServer((req, res) => grpcWeb(req, res) || createStaticHandler('console/dist')(req, res) || notFound(res))
 */
export function createStaticHandler(rootDir: string, options: StaticOptions = {}): HttpRoute {
  const root = resolve(rootDir);
  const baseMap = options.baseMapFile ? resolve(options.baseMapFile) : undefined;
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const urlPath = (req.url ?? '/').split('?', 1)[0]!;
    const answer = urlPath === BASE_MAP_INFO_PATH || urlPath === BASE_MAP_PATH ? serveBaseMap(urlPath, baseMap, req, res) : serve(root, req, res);
    answer.catch(() => {
      if (!res.headersSent) plain(res, 500, 'internal error\n');
      else res.destroy();
    });
    return true;
  };
}

// --- Base map (console.pmtilesFile, docs/decisions/0307) ---------------------------
// Served beside the console and as open as it: the page needs it before anyone signs in.

/** Where the console reads whether a base map exists: always 200, so its absence logs no error in the browser. */
export const BASE_MAP_INFO_PATH = '/tiles/base.json';
/** The PMTiles archive, read by the browser in HTTP ranges. */
export const BASE_MAP_PATH = '/tiles/base.pmtiles';

export interface StaticOptions {
  /** A local PMTiles archive served at BASE_MAP_PATH with Range support; absent, that path answers 404. */
  baseMapFile?: string;
}

async function serveBaseMap(urlPath: string, file: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (urlPath === BASE_MAP_INFO_PATH) {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' })
      .end(req.method === 'HEAD' ? undefined : JSON.stringify({ pmtiles: file ? BASE_MAP_PATH : null }));
    return;
  }
  if (!file) {
    plain(res, 404, 'no base map: set console.pmtilesFile (IOC_CONSOLE_PMTILES_FILE) to a .pmtiles archive\n');
    return;
  }
  try {
    await sendRangedFile(req, res, file, { contentType: 'application/vnd.pmtiles', cacheControl: REVALIDATE, headers: { 'x-content-type-options': 'nosniff' } });
  } catch (err) {
    // Checked at start, but the file may be moved away later; say so rather than "internal error".
    if (res.headersSent || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    plain(res, 503, 'the base map file (console.pmtilesFile) is gone since the engine started\n');
  }
}

/**
 * Fails loudly at start when console.pmtilesFile names no readable PMTiles v3
 * archive, instead of a map that silently lacks its base.
 */
export async function checkBaseMapFile(path: string): Promise<void> {
  const where = `console.pmtilesFile ${JSON.stringify(path)}`;
  let magic: Buffer;
  try {
    const file = await open(path, 'r');
    try {
      magic = Buffer.alloc(8);
      await file.read(magic, 0, 8, 0);
    } finally {
      await file.close();
    }
  } catch (err) {
    throw new ConfigError(`${where}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  if (magic.toString('latin1', 0, 7) !== 'PMTiles' || magic[7] !== 3) {
    throw new ConfigError(`${where}: not a PMTiles version 3 archive (it must start with "PMTiles" and the byte 3)`);
  }
}
// --- end base map --------------------------------------------------------------------

async function serve(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = safeRelativePath((req.url ?? '/').split('?', 1)[0]!);
  if (path === undefined) {
    plain(res, 400, 'bad path\n');
    return;
  }
  const file = path === '' ? undefined : await findFile(root, path);
  if (file !== undefined) {
    await sendFile(req, res, file, path.startsWith('assets/') ? IMMUTABLE : REVALIDATE);
    return;
  }
  // A path without an extension is a console route (e.g. /incidents/42): the app handles it.
  if (extname(path) === '') {
    const index = await findFile(root, 'index.html');
    if (index !== undefined) await sendFile(req, res, index, REVALIDATE);
    else plain(res, 503, 'The console is not built: run `npm run build:console`.\n');
    return;
  }
  plain(res, 404, 'not found\n');
}

/**
 * The URL path as a relative path inside the root, or undefined when it could
 * escape it or reach a dotfile: decoded once, NUL and backslashes refused, `.`/`..`
 * and empty segments refused rather than resolved.
 */
export function safeRelativePath(urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.slice(1).split('/');
  if (segments.at(-1) === '') segments.pop();
  if (segments.some((s) => s === '' || s.startsWith('.'))) return undefined;
  return segments.join('/');
}

interface FoundFile {
  path: string;
  size: number;
  mtimeMs: number;
}

async function findFile(root: string, relative: string): Promise<FoundFile | undefined> {
  try {
    // realpath: a symlink inside the root must not lead outside it.
    const real = await realpath(resolve(root, relative));
    const realRoot = await realpath(root);
    if (!real.startsWith(realRoot + sep)) return undefined;
    const info = await stat(real);
    return info.isFile() ? { path: real, size: info.size, mtimeMs: info.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

async function sendFile(req: IncomingMessage, res: ServerResponse, file: FoundFile, cacheControl: string): Promise<void> {
  const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
  const contentType = CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string> = { 'content-type': contentType, 'cache-control': cacheControl, etag, 'x-content-type-options': 'nosniff' };
  if (contentType.startsWith('text/html')) {
    headers['content-security-policy'] = CONSOLE_CSP;
    headers['referrer-policy'] = 'no-referrer';
  }
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(file.size) });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolveSent, reject) => {
    const stream = createReadStream(file.path);
    stream.once('error', reject);
    res.once('close', () => {
      stream.destroy();
      resolveSent();
    });
    stream.pipe(res);
  });
}

function plain(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(body);
}
