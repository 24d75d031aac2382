// Request headers of the gRPC-web protocol: which content type (binary or base64
// text) and which deadline. Pure parsing; never reads a body or writes a response.

import { InvalidArgumentError } from '../errors/index.ts';

/** How a call's bytes travel: raw frames, or the same frames in base64. */
export type WireMode = 'binary' | 'text';

export interface ContentType {
  mode: WireMode;
  /** The message codec after `+`; an absent suffix means protobuf. */
  codec: string;
}

const GRPC_WEB_TYPE = /^application\/grpc-web(-text)?(?:\+([a-z0-9.-]+))?$/;

/**
 * Reads a gRPC-web content type; `undefined` when the request is something else.
 * @example parseContentType('application/grpc-web-text+proto') // { mode: 'text', codec: 'proto' }
 */
export function parseContentType(header: string | undefined): ContentType | undefined {
  if (header === undefined) return undefined;
  const bare = header.split(';', 1)[0]!.trim().toLowerCase();
  const match = GRPC_WEB_TYPE.exec(bare);
  if (!match) return undefined;
  return { mode: match[1] ? 'text' : 'binary', codec: match[2] ?? 'proto' };
}

/** The content type a response carries: the request's mode, always protobuf. */
export function responseContentType(mode: WireMode): string {
  return mode === 'text' ? 'application/grpc-web-text+proto' : 'application/grpc-web+proto';
}

const TIMEOUT = /^(\d{1,8})([HMSmun])$/;
const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/**
 * Reads `grpc-timeout` (at most 8 digits and a unit, per PROTOCOL-HTTP2.md) as
 * milliseconds; `undefined` when absent. Sub-millisecond timeouts round up to 1 ms
 * so that a deadline is never "no deadline".
 * @example parseGrpcTimeout('1500m') // 1500
 */
export function parseGrpcTimeout(header: string | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  const match = TIMEOUT.exec(header.trim());
  if (!match) throw new InvalidArgumentError(`malformed grpc-timeout header: "${header}"`);
  return Math.max(1, Math.ceil(Number(match[1]) * UNIT_MS[match[2]!]!));
}
