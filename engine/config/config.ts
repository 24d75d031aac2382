// Engine configuration: one table of keys, each with a default, a description
// and its IOC_* environment variable. `ioc.yaml` sets keys; the environment
// overrides the file. The table is the only place a key is declared: loading,
// validation and docs/configuration.md all come from it.

import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { ConfigError } from '../errors/index.ts';

type Kind = 'string' | 'int' | 'bool' | readonly string[];

interface KeySpec {
  kind: Kind;
  default: string | number | boolean;
  doc: string;
  /** Environment variable; derived from the key when absent. */
  env?: string;
  min?: number;
  max?: number;
}

/** Every configuration key. Dotted keys map to nested YAML: `nats.url` is `nats: { url: ... }`. */
export const configKeys = {
  'mode': { kind: ['real', 'auto', 'embedded'], default: 'real', doc: 'real: wait for NATS and ClickHouse; embedded: in-process bus and in-memory store; auto: each real when reachable, embedded otherwise (the default of `ioc demo` only).' },
  'nats.url': { kind: 'string', default: 'nats://127.0.0.1:4222', doc: 'NATS server URL(s), comma-separated.' },
  'nats.eventsStream': { kind: 'string', default: 'IOC_EVENTS', doc: 'JetStream stream holding events (subjects ioc.events.>).' },
  'nats.alertsStream': { kind: 'string', default: 'IOC_ALERTS', doc: 'JetStream stream holding alerts (subjects ioc.alerts.>).' },
  'nats.partitionsStream': { kind: 'string', default: 'IOC_PARTS', doc: 'With cluster.partitions: the JetStream stream of routed events (subjects ioc.part.<partition>.<type>).' },
  'nats.dlqStream': { kind: 'string', default: 'IOC_DLQ', doc: 'JetStream stream holding dead letters (subjects ioc.dlq.>).' },
  'nats.consumer': { kind: 'string', default: 'ioc-engine', doc: 'Durable pull consumer the engine reads events through.' },
  'nats.stateBucket': { kind: 'string', default: 'ioc_engine', doc: 'KV bucket for engine state (firing alerts, checkpoints).' },
  'nats.incidentsBucket': { kind: 'string', default: 'ioc_incidents', doc: 'KV bucket for incidents, alert records and silences (compare-and-set, so two engines cannot overwrite each other).' },
  'nats.outboxBucket': { kind: 'string', default: 'ioc_notify_outbox', doc: 'KV bucket of notifications not yet delivered (a restart delivers them, none twice).' },
  'nats.eventsMaxAgeHours': { kind: 'int', default: 72, min: 1, doc: 'How long IOC_EVENTS keeps events (for replay and backtests).' },
  'nats.replicas': { kind: 'int', default: 1, min: 1, max: 5, doc: 'Stream replicas when the engine creates streams (3 on a production cluster).' },
  'nats.batch': { kind: 'int', default: 1000, min: 1, max: 10_000, doc: 'Messages requested per pull.' },
  'nats.maxAckPending': { kind: 'int', default: 100_000, min: 1, doc: 'Most unacknowledged events in flight; the bound that makes backpressure (and on memory: about 0.5 KB per event held).' },
  'nats.ackWaitSeconds': { kind: 'int', default: 120, min: 5, doc: 'Redelivery timeout of an unacknowledged event.' },
  'nats.stallSeconds': { kind: 'int', default: 30, min: 1, doc: 'A read of the event stream that receives nothing for this long, while events wait undelivered and everything received is acknowledged, is re-created from the checkpoint (a guard against a client that stopped pulling).' },
  'clickhouse.url': { kind: 'string', default: 'http://127.0.0.1:8123', doc: 'ClickHouse HTTP URL.' },
  'clickhouse.db': { kind: 'string', default: 'ioc', doc: 'Database the engine creates and writes.' },
  'clickhouse.cluster': { kind: 'string', default: '', doc: 'Empty (the default): one ClickHouse server. Otherwise the name of a cluster in the servers\' `remote_servers` (a plain identifier): migrations create each table ON CLUSTER as a Replicated `<name>_local` on every node plus a Distributed `<name>` over them, sharded by zone (events, rollups) or by the row\'s id (history); needs ZooKeeper or ClickHouse Keeper and the `{shard}`/`{replica}` macros. Set it before the first migration: a single-server database is not converted (docs/decisions/0601).' },
  'clickhouse.user': { kind: 'string', default: 'default', doc: 'ClickHouse user.' },
  'clickhouse.password': { kind: 'string', default: '', doc: 'ClickHouse password.' },
  // Credentials and TLS of the engine's own connections (docs/security.md, decision 0523).
  // Each secret may come from its variable or from a `...File` key, so it need not sit in ioc.yaml.
  'clickhouse.passwordFile': { kind: 'string', default: '', doc: 'File holding the ClickHouse password (trailing newline ignored), instead of clickhouse.password.' },
  'clickhouse.tls.caFile': { kind: 'string', default: '', doc: 'PEM CA certificate(s) trusted for an `https://` clickhouse.url (empty: the system CAs).' },
  'clickhouse.tls.certFile': { kind: 'string', default: '', doc: 'PEM client certificate for mutual TLS with ClickHouse (with clickhouse.tls.keyFile and clickhouse.tls.caFile). Current servers then authenticate the user by this certificate: leave the password empty.' },
  'clickhouse.tls.keyFile': { kind: 'string', default: '', doc: 'PEM private key of clickhouse.tls.certFile.' },
  'nats.user': { kind: 'string', default: '', doc: 'NATS user name (with nats.password or nats.passwordFile).' },
  'nats.password': { kind: 'string', default: '', doc: 'NATS password of nats.user.' },
  'nats.passwordFile': { kind: 'string', default: '', doc: 'File holding the NATS password (trailing newline ignored), instead of nats.password.' },
  'nats.token': { kind: 'string', default: '', doc: 'NATS authentication token, instead of a user.' },
  'nats.tokenFile': { kind: 'string', default: '', doc: 'File holding the NATS token, instead of nats.token.' },
  'nats.credsFile': { kind: 'string', default: '', doc: 'NATS `.creds` file (user JWT and nkey seed, as `nsc` writes it), for servers in operator (decentralised JWT) mode, instead of a user or token.' },
  'nats.tls.caFile': { kind: 'string', default: '', doc: 'PEM CA certificate(s) trusted for the NATS servers; setting any nats.tls.* key makes the connection require TLS (empty: the system CAs, used when the server asks for TLS).' },
  'nats.tls.certFile': { kind: 'string', default: '', doc: 'PEM client certificate for mutual TLS with NATS (with nats.tls.keyFile).' },
  'nats.tls.keyFile': { kind: 'string', default: '', doc: 'PEM private key of nats.tls.certFile.' },
  'retention.eventsDays': { kind: 'int', default: 30, min: 0, doc: 'Days of raw events kept in ClickHouse; older day partitions are dropped (0 = keep forever).' },
  'retention.rollupsMinuteDays': { kind: 'int', default: 30, min: 0, doc: 'Days of minute rollups kept (0 = keep forever).' },
  'retention.rollupsHourDays': { kind: 'int', default: 400, min: 0, doc: 'Days of hour rollups kept (0 = keep forever).' },
  'retention.alertsDays': { kind: 'int', default: 400, min: 0, doc: 'Days of alert, incident and notification history kept; these tables are monthly, so a month is dropped only once all of it is older (0 = keep forever).' },
  'retention.everyMinutes': { kind: 'int', default: 60, min: 1, doc: 'How often the engine drops expired partitions (each drop is logged).' },
  'writer.batchRows': { kind: 'int', default: 20_000, min: 1, doc: 'Events per commit (one ClickHouse insert, one acknowledgement) at most.' },
  'writer.flushMs': { kind: 'int', default: 250, min: 1, doc: 'Longest an event waits before its batch is written.' },
  'writer.retryMaxMs': { kind: 'int', default: 10_000, min: 100, doc: 'Longest pause between retries while ClickHouse or NATS is unreachable.' },
  'rules.dir': { kind: 'string', default: 'rules', doc: 'Directory of YAML rule files.' },
  'rules.watch': { kind: 'bool', default: true, doc: 'Reload rule files when they change (a file that fails validation keeps its previous version).' },
  'rules.allowedLatenessMs': { kind: 'int', default: 30_000, min: 0, doc: 'How far behind the newest event time an event may arrive and still count (the watermark trails the newest event time by this).' },
  'rules.latePolicy': { kind: ['dlq', 'process'], default: 'dlq', doc: 'An event later than the allowed lateness: `dlq` sends it to ioc.dlq.late (not evaluated, not stored); `process` evaluates it into the windows still open.' },
  'rules.idleAdvanceMs': { kind: 'int', default: 10_000, min: 0, doc: 'After this long without events, the watermark moves on with the wall clock, so quiet feeds still close windows and fire absences (0 = never).' },
  'incidents.keepResolvedDays': { kind: 'int', default: 7, min: 1, doc: 'How long a resolved incident (and a resolved alert no kept incident lists) stays in the live state, the console and the Incidents API; then it is deleted from KV and its history stays in ClickHouse (`incident_events`, `alert_events`).' },
  'incidents.policiesDir': { kind: 'string', default: '', doc: 'Incident policy files (grouping, silences, inhibition, escalation, SOPs, receivers); empty means `<rules.dir>/policies`.' },
  'console.url': { kind: 'string', default: '', doc: 'Public address of the console, used for links in notifications (e.g. `https://ioc.hanoi.gov.vn/`).' },
  'state.snapshotEveryMs': { kind: 'int', default: 60_000, min: 100, doc: 'How often rule state (windows, pending, absences, sequences, alerts) is snapshotted to the KV bucket; a restart replays the stream from the snapshot.' },
  'cluster.partitions': { kind: 'int', default: 0, min: 0, max: 1024, doc: 'Scale-out: 0 runs one pipeline on IOC_EVENTS (one engine process). P > 0 partitions events by zone into P partitions, routed to nats.partitionsStream; each engine process owns a fair share, leased on NATS KV, and takes over a dead one\'s within cluster.leaseMs (docs/decisions/0600). Every process of a deployment must use the same P.' },
  'cluster.leaseMs': { kind: 'int', default: 10_000, min: 1000, doc: 'Partition lease length: a process silent this long loses its partitions to the others.' },
  'cluster.roundMs': { kind: 'int', default: 2000, min: 100, doc: 'How often a process renews its leases and rebalances (well under cluster.leaseMs).' },
  'ingest.maxFutureSeconds': { kind: 'int', default: 600, min: 0, doc: 'Events timed further ahead than this are rejected (invalid_time).' },
  // API limits (docs/limits.md, decision 0522): over one, a call ends with RESOURCE_EXHAUSTED or DEADLINE_EXCEEDED, never a crash.
  'limits.ingestEventsPerSecond': { kind: 'int', default: 5000, min: 0, doc: 'Events per second each principal (account, token subject, or `x-ioc-user` with auth off) may send to ioc.v1.Ingest/Publish on native gRPC and gRPC-web, as a token bucket. Over it the call ends with RESOURCE_EXHAUSTED, the wait in the message and in a `retry-after-ms` trailer; events accepted before stay accepted. 0 = no limit.' },
  'limits.ingestBurst': { kind: 'int', default: 10_000, min: 1, doc: 'Events a principal may send at once before limits.ingestEventsPerSecond applies (the bucket size); a batch larger than this is refused outright.' },
  'limits.ingestPerPrincipal': { kind: 'string', default: '', doc: 'Per-principal ingest limits that replace the two above: `name=eventsPerSecond[:burst]`, comma-separated (e.g. `traffic-gw=20000:40000, hotline=50`); a missing burst is twice the rate; a rate of 0 means no limit for that principal.' },
  'limits.ingestMaxPrincipals': { kind: 'int', default: 10_000, min: 1, doc: 'Ingest buckets kept in memory at most; idle (refilled) ones are forgotten first, then the least recently used.' },
  'limits.maxBatchEvents': { kind: 'int', default: 1000, min: 1, doc: 'Most events in one ioc.v1.EventBatch; a larger batch ends the call with RESOURCE_EXHAUSTED.' },
  'limits.maxMessageBytes': { kind: 'int', default: 4_194_304, min: 1024, doc: 'Largest request message on native gRPC and gRPC-web (and largest body of a gRPC-web unary or server-streaming call); larger ones end the call with RESOURCE_EXHAUSTED.' },
  'limits.maxConnections': { kind: 'int', default: 2000, min: 1, doc: 'Most open connections to the HTTP port (console, gRPC-web, metrics); more are refused at once. Each gRPC-web stream holds one.' },
  'limits.maxStreamsPerConnection': { kind: 'int', default: 100, min: 1, doc: 'Most concurrent calls (streams) on one native gRPC connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS); a client that wants more opens another connection, and limits.maxConnections does not cover those: cap native gRPC connections at the load balancer.' },
  'limits.callTimeoutMs': { kind: 'int', default: 30_000, min: 1, doc: 'Longest a unary call may run on either transport; past it the call ends with DEADLINE_EXCEEDED. A shorter `grpc-timeout` from the client wins. Streaming calls (Watch, Subscribe, Publish, Backtest) are bounded by their buffers and rates instead.' },
  'http.host': { kind: 'string', default: '0.0.0.0', doc: 'Address of the HTTP server (console, gRPC-web, health, metrics).' },
  'http.port': { kind: 'int', default: 8080, min: 0, max: 65_535, doc: 'Port of the HTTP server.' },
  'http.corsOrigins': { kind: 'string', default: '', doc: 'Comma-separated origins allowed to call gRPC-web from other sites; empty means same origin only.' },
  'grpc.host': { kind: 'string', default: '0.0.0.0', doc: 'Address of the native gRPC server.' },
  'grpc.port': { kind: 'int', default: 50051, min: 0, max: 65_535, doc: 'Port of the native gRPC server.' },
  'console.dir': { kind: 'string', default: 'console/dist', doc: 'Built console files served on the HTTP port.' },
  'console.pmtilesFile': { kind: 'string', default: '', doc: 'Optional vector base map for the console: a local PMTiles v3 archive (MVT tiles), served at `/tiles/base.pmtiles` with HTTP Range requests and drawn under the districts (docs/decisions/0307). Empty: the map is the built-in district and water shapes only. The engine refuses to start if the file is missing or not PMTiles v3.' },
  'tls.certFile': { kind: 'string', default: '', doc: 'PEM certificate (chain) for the HTTP and native gRPC ports; with tls.keyFile, both serve TLS only (https, grpcs).' },
  'tls.keyFile': { kind: 'string', default: '', doc: 'PEM private key of tls.certFile.' },
  'auth.mode': { kind: ['off', 'required'], default: 'required', doc: '`required` (the default): every gRPC, gRPC-web and /metrics call must prove who it is (accounts or bearer tokens) and its role must allow the method; the console asks users to sign in (docs/decisions/0520, 0524). The engine refuses to start when nobody could sign in. `off`: for development and tests only; anyone who reaches the ports may do anything, as an admin named by `x-ioc-user`, and the engine warns at start. `ioc demo` is the only command that turns it off by itself, and says so.' },
  'auth.accountsFile': { kind: 'string', default: '', doc: 'YAML file of accounts (users and service accounts) with scrypt-hashed secrets, for `authorization: Basic`; `ioc auth hash` makes a secret.' },
  'auth.jwtSecret': { kind: 'string', default: '', doc: 'HS256 key for `authorization: Bearer <JWT>` tokens (claims: sub, role, optional types and zones).' },
  'auth.jwtPublicKeyFile': { kind: 'string', default: '', doc: 'PEM public key (RS256) for bearer tokens, instead of auth.jwtSecret.' },
  'auth.jwksUrl': { kind: 'string', default: '', doc: 'JWKS URL of an OIDC issuer for bearer tokens, instead of a key.' },
  'auth.jwtIssuer': { kind: 'string', default: '', doc: 'Required `iss` of bearer tokens (empty: not checked).' },
  'auth.jwtAudience': { kind: 'string', default: '', doc: 'Required `aud` of bearer tokens (empty: not checked).' },
  'log.level': { kind: ['trace', 'debug', 'info', 'warn', 'error'], default: 'info', doc: 'Log level.' },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof configKeys;

type ValueOf<S> = S extends { kind: 'int' } ? number : S extends { kind: 'bool' } ? boolean : S extends { kind: readonly (infer E)[] } ? E : string;

/** The resolved configuration, flat, typed by key. */
export type Config = { readonly [K in ConfigKey]: ValueOf<(typeof configKeys)[K]> };

/** The environment variable of a key: `nats.maxAckPending` → `IOC_NATS_MAX_ACK_PENDING`. */
export function envName(key: string): string {
  const spec = (configKeys as Record<string, KeySpec>)[key];
  if (spec?.env) return spec.env;
  return 'IOC_' + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase();
}

function parseValue(key: string, spec: KeySpec, raw: unknown, where: string): string | number | boolean {
  const fail = (why: string): never => {
    throw new ConfigError(`${where}: ${key} ${why}`);
  };
  if (spec.kind === 'int') {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isInteger(n)) fail(`must be an integer, got ${JSON.stringify(raw)}`);
    if (spec.min !== undefined && n < spec.min) fail(`must be at least ${spec.min}, got ${n}`);
    if (spec.max !== undefined && n > spec.max) fail(`must be at most ${spec.max}, got ${n}`);
    return n;
  }
  if (spec.kind === 'bool') {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    return fail(`must be true or false, got ${JSON.stringify(raw)}`);
  }
  if (typeof raw !== 'string' && typeof raw !== 'number') return fail(`must be a string, got ${JSON.stringify(raw)}`);
  const s = String(raw);
  if (Array.isArray(spec.kind) && !spec.kind.includes(s)) fail(`must be one of ${spec.kind.join(', ')}, got ${JSON.stringify(s)}`);
  return s;
}

function flattenYaml(node: YamlNode | null, prefix: string, out: Map<string, { value: unknown; node: YamlNode }>, lc: LineCounter, file: string): void {
  if (!isMap(node)) {
    throw new ConfigError(`${file}: expected a mapping${prefix ? ` under ${prefix}` : ''}`);
  }
  for (const pair of node.items) {
    const keyNode = pair.key as YamlNode;
    const name = isScalar(keyNode) ? String(keyNode.value) : '?';
    const key = prefix ? `${prefix}.${name}` : name;
    const value = pair.value as YamlNode | null;
    if (isMap(value)) flattenYaml(value, key, out, lc, file);
    else out.set(key, { value: isScalar(value) ? value.value : value?.toJSON(), node: keyNode });
  }
}

function position(lc: LineCounter, node: YamlNode): string {
  const { line, col } = lc.linePos(node.range?.[0] ?? 0);
  return `${line}:${col}`;
}

/** Reads `ioc.yaml` (if given or present) and the IOC_* environment into a Config. */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.file ?? env.IOC_CONFIG;
  const file = explicit ? (isAbsolute(explicit) ? explicit : resolve(cwd, explicit)) : resolve(cwd, 'ioc.yaml');
  const fromFile = new Map<string, { value: unknown; node: YamlNode }>();
  const lc = new LineCounter();
  if (existsSync(file)) {
    const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lc });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      throw new ConfigError(`${file}:${e.linePos?.[0].line ?? 0}:${e.linePos?.[0].col ?? 0}: ${e.message.split('\n')[0]}`);
    }
    if (doc.contents !== null) flattenYaml(doc.contents as YamlNode, '', fromFile, lc, file);
  } else if (explicit) {
    throw new ConfigError(`configuration file ${file} does not exist`);
  }

  const specs = configKeys as Record<string, KeySpec>;
  for (const [key, { node }] of fromFile) {
    if (!(key in specs)) throw new ConfigError(`${file}:${position(lc, node)}: unknown key ${key}${suggest(key)}`);
  }
  const out: Record<string, string | number | boolean> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const envVar = envName(key);
    const fromEnv = env[envVar];
    const entry = fromFile.get(key);
    if (fromEnv !== undefined && fromEnv !== '') out[key] = parseValue(key, spec, fromEnv, envVar);
    else if (entry) out[key] = parseValue(key, spec, entry.value, `${file}:${position(lc, entry.node)}`);
    else out[key] = spec.default;
  }
  return out as Config;
}

function suggest(key: string): string {
  const close = Object.keys(configKeys).find((k) => k.toLowerCase() === key.toLowerCase() || k.endsWith(`.${key.split('.').pop()}`));
  return close ? ` (did you mean ${close}?)` : '';
}

/** The configuration reference in Markdown, generated from the key table. */
export function configReference(): string {
  const rows = Object.entries(configKeys as Record<string, KeySpec>).map(([key, s]) => {
    const kind = Array.isArray(s.kind) ? s.kind.join(' \\| ') : s.kind;
    return `| \`${key}\` | \`${envName(key)}\` | ${kind} | \`${JSON.stringify(s.default)}\` | ${s.doc} |`;
  });
  return ['| key | environment | type | default | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
