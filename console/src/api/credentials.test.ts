// Every gRPC-web client of the console must come from engineClient, or its calls
// go out without the session's credential and fail once sign-in is required.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [join(dir, d.name)] : []);
}

describe('engineClient', () => {
  it('is the only way the console builds gRPC-web clients (so every call carries the credential)', () => {
    const offenders = sources(src)
      .filter((f) => !f.endsWith(join('api', 'credentials.ts')))
      .filter((f) => /\bcreate(Channel|Client|ClientFactory)\s*\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(src, f));
    expect(offenders).toEqual([]);
  });
});
