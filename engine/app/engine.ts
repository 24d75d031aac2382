// Wires one engine process: bus, store, rules, pipeline, live view, native
// gRPC and the HTTP port. Chooses real services or the embedded fallback by
// `mode`, and says loudly which it runs on. The only place that knows all parts.

import { guardHandlers } from '../api/authorize.ts';
import { backtestHandlers } from '../api/backtest.ts';
import { createAuthenticator, loadAccounts, type Authenticate } from '../auth/index.ts';
import { readFile } from 'node:fs/promises';
import { queryHandlers } from '../api/query.ts';
import { apiLimits, createHandlers, IngestLimits, sessionHandlers, startGrpcServer, startHttpServer, type MethodHandler, type Readiness } from '../api/index.ts';
import { ClickHouseEventSource } from '../backtest/index.ts';
import { join } from 'node:path';
import { connectNats, MemoryBus, natsSecurity, type Bus, type NatsBus } from '../bus/index.ts';
import { redactUrl, type Config } from '../config/index.ts';
import { ConfigError, errorMessage } from '../errors/index.ts';
import { hanoiDistricts, zoneNeighbours, ZoneLocator } from '../geo/index.ts';
import { IncidentService, loadPolicyDir, type PolicySet } from '../incidents/index.ts';
import { KvOutbox, MemoryOutbox, NotificationDispatcher, type Outbox } from '../notify/index.ts';
import { LiveView, shareLiveView } from '../live/index.ts';
import { createLogger, type Logger } from '../log/index.ts';
import { createMetrics, type Metrics } from '../metrics/index.ts';
import { Pipeline, type PipelineOptions } from '../pipeline/index.ts';
import { CITY_CONSUMER, CityCombiner, encodeReport, PartitionedPipeline, partialsSubject, partitionOf, partitionSource, Router, ROUTER_CONSUMER } from '../cluster/index.ts';
import { createRuleRuntime } from '../runtime/index.ts';
import { ruleErrorReporter } from './rule-errors.ts';
import { RulesWatcher } from './rules-watcher.ts';
import { formatDiagnostic, loadRulesDir, RuleSet, type CompiledRule } from '../rules/index.ts';
import type { ValidateOptions } from '../events/index.ts';
import { hostname } from 'node:os';
import { clickHouseAccess, ClickHouseStore, groupInserts, MemoryStore, Retention, sql, type Store } from '../store/index.ts';

export interface EngineOptions {
  config: Config;
  log?: Logger;
  /** Wall clock, injectable for tests. */
  now?: () => number;
  /**
   * Called when the pipeline stops on an unexpected error. The CLI exits so a
   * supervisor restarts the process: delivery is idempotent, so a restart
   * loses and doubles nothing.
   */
  onFatal?: (err: Error) => void;
}

export interface RunningEngine {
  /** "nats+clickhouse", "embedded", or a mix such as "nats+memory". */
  readonly mode: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly bus: Bus;
  readonly store: Store;
  readonly live: LiveView;
  readonly metrics: Metrics;
  readonly rules: RuleSet;
  readonly incidents: IncidentService;
  readiness(): Readiness;
  /** Reloads the rules directory and the incident policies now (what a file change does after a short quiet time). */
  reloadRules(): Promise<void>;
  /** Stops reading, commits what it can within `drainMs`, closes everything. */
  stop(drainMs?: number): Promise<void>;
}

async function chooseBus(config: Config, log: Logger): Promise<Bus> {
  if (config.mode === 'embedded') return new MemoryBus();
  const opts = {
    servers: config['nats.url'],
    security: natsSecurity(config),
    eventsStream: config['nats.eventsStream'],
    ...(config['cluster.partitions'] > 0 ? { partitionsStream: config['nats.partitionsStream'] } : {}),
    alertsStream: config['nats.alertsStream'],
    dlqStream: config['nats.dlqStream'],
    consumer: config['nats.consumer'],
    stateBucket: config['nats.stateBucket'],
    eventsMaxAgeHours: config['nats.eventsMaxAgeHours'],
    replicas: config['nats.replicas'],
    maxAckPending: config['nats.maxAckPending'],
    ackWaitSeconds: config['nats.ackWaitSeconds'],
    stallSeconds: config['nats.stallSeconds'],
    log: log.child({ sub: 'nats' }),
  };
  if (config.mode === 'real') {
    let bus: Bus | undefined;
    await waitFor(`connecting to NATS at ${redactUrl(config['nats.url'])}`, async () => {
      bus = await connectNats(opts);
    }, log);
    return bus!;
  }
  try {
    return await connectNats(opts);
  } catch (err) {
    // A server that refuses our credentials or TLS is a mistake to fix, not a reason for the embedded bus.
    if (err instanceof ConfigError) throw err;
    log.warn({ err: errorMessage(err) }, 'NATS is not reachable: using the EMBEDDED in-process bus (nothing is durable)');
    return new MemoryBus();
  }
}

async function chooseStore(config: Config, log: Logger): Promise<Store> {
  if (config.mode === 'embedded') return new MemoryStore();
  const access = clickHouseAccess(config);
  const store = new ClickHouseStore({ ...access, database: config['clickhouse.db'], cluster: config['clickhouse.cluster'] });
  if (config.mode === 'real') return store;
  // A query, not a ping: /ping needs no login, and a refused login or certificate must stop the start, not fall back.
  const reason = await store.queryRows(sql`SELECT 1`).then(() => undefined, (err: unknown) => err);
  if (reason === undefined) return store;
  await store.close();
  if (reason instanceof ConfigError) throw reason;
  log.warn({ url: redactUrl(access.url), err: errorMessage(reason) }, 'ClickHouse is not reachable: using the EMBEDDED in-memory store (nothing is kept)');
  return new MemoryStore();
}

/**
 * Starts an engine and resolves once it is serving.
 *
 * @example
 * const engine = await startEngine({ config: loadConfig() });
 * process.on('SIGTERM', () => engine.stop());
 */
export async function startEngine(opts: EngineOptions): Promise<RunningEngine> {
  const { config } = opts;
  const log = opts.log ?? createLogger(config['log.level']);
  const now = opts.now ?? Date.now;
  const metrics = createMetrics();

  const loaded = await loadRulesDir(config['rules.dir']);
  if (loaded.diagnostics.length > 0) {
    const lines = loaded.diagnostics.map((d) => formatDiagnostic(d));
    throw new ConfigError(`rules in ${config['rules.dir']} have ${lines.length} error(s):\n${lines.join('\n')}`);
  }
  const policiesDir = config['incidents.policiesDir'] || join(config['rules.dir'], 'policies');
  const policies = await loadPolicyDir(policiesDir);
  if (policies.diagnostics.length > 0) {
    const lines = policies.diagnostics.map((d) => formatDiagnostic(d));
    throw new ConfigError(`incident policies in ${policiesDir} have ${lines.length} error(s):\n${lines.join('\n')}`);
  }
  let rules = new RuleSet(loaded.rules);
  let ruleTables = loaded.tables;
  metrics.rulesLoaded.set(rules.activeIds().size);
  log.info({ dir: config['rules.dir'], rules: rules.activeIds().size }, 'rules loaded');

  const authenticate = await authenticatorFor(config, log);
  const limits = apiLimits(config);
  const tls = await tlsFor(config);

  // The HTTP port opens first, so /healthz answers (and /readyz says why not
  // ready) while NATS and ClickHouse are still being waited for.
  const handlers = new Map<string, MethodHandler>();
  let starting: string | undefined = 'connecting to NATS';
  let readiness = (): Readiness => ({ ready: false, checks: { startup: { ok: false, detail: starting ?? 'starting' } } });
  const httpServer = await startHttpServer({
    handlers,
    host: config['http.host'],
    port: config['http.port'],
    consoleDir: config['console.dir'],
    baseMapFile: config['console.pmtilesFile'],
    corsOrigins: config['http.corsOrigins'].split(',').map((s) => s.trim()).filter(Boolean),
    readiness: () => readiness(),
    metrics,
    log: log.child({ sub: 'http' }),
    authenticate,
    limits,
    ...(tls ? { tls } : {}),
  });
  const connections: { close(): Promise<void> }[] = [];
  try {
    return await startServing();
  } catch (err) {
    await httpServer.close();
    // A start that fails (e.g. ClickHouse refuses the login) must not leave a NATS connection holding the process open.
    await Promise.all(connections.map((c) => c.close().catch(() => undefined)));
    throw err;
  }

  async function startServing(): Promise<RunningEngine> {
    const bus = await chooseBus(config, log);
    connections.push(bus);
    starting = 'connecting to ClickHouse';
    const store = await chooseStore(config, log);
    connections.push(store);
    const mode = bus.kind === 'embedded' && store.kind === 'memory' ? 'embedded' : `${bus.kind}+${store.kind}`;
    if (mode !== 'nats+clickhouse') {
      log.warn(`RUNNING IN ${mode.toUpperCase()} MODE: events and alerts are ${store.kind === 'memory' ? 'NOT stored durably' : 'stored'}; set IOC_NATS_URL and IOC_CLICKHOUSE_URL (or run deploy/local/services.sh start) for the real stack`);
    }

    // Retried until the services answer: /readyz stays 503 meanwhile, /healthz 200.
    let storeOk = false;
    starting = 'applying ClickHouse migrations';
    await waitFor('ClickHouse migrations', () => store.migrate(), log);
    storeOk = true;
    starting = 'creating NATS streams';
    await waitFor('NATS streams and consumer', () => bus.setup(), log);
    starting = 'restoring rule state';

    // Scale-out: this process's events cover only its partitions' sensors; the processes share their sensor changes so every console sees the city.
    const sharing = config['cluster.partitions'] > 0 && bus.kind === 'nats' ? shareLiveView((bus as NatsBus).nc, log.child({ sub: 'live' })) : undefined;
    const live = new LiveView(sharing ? { share: (changed) => sharing.publish(changed) } : {});
    sharing?.attach(live);
    const reportRuleError = ruleErrorReporter(log.child({ sub: 'rules' }), metrics, now);
    const runtimeFor = (ruleList: readonly CompiledRule[]) => createRuleRuntime(ruleList, {
      now,
      allowedLatenessMs: config['rules.allowedLatenessMs'],
      latePolicy: config['rules.latePolicy'],
      onRuleError: reportRuleError,
    });
    const alertsSub = bus.alerts().subscribe((a) => live.applyAlert(a));
    const zones = new ZoneLocator(hanoiDistricts());
    const validate = { now, maxFutureMs: config['ingest.maxFutureSeconds'] * 1000 };
    const pipelineOptions = {
      bus,
      store,
      zones,
      live,
      metrics,
      log: log.child({ sub: 'pipeline' }),
      validate,
      consumer: config['nats.consumer'],
      batch: config['nats.batch'],
      maxAckPending: config['nats.maxAckPending'],
      batchRows: config['writer.batchRows'],
      flushMs: config['writer.flushMs'],
      retryMaxMs: config['writer.retryMaxMs'],
      idleAdvanceMs: config['rules.idleAdvanceMs'],
      snapshotEveryMs: config['state.snapshotEveryMs'],
      now,
    };
    // Scale-out (docs/decisions/0600): one pipeline per owned partition, plus the router while this process holds its slot.
    const pipeline = config['cluster.partitions'] > 0
      ? await partitionedPipeline({ config, bus, rules: rules.rules, runtimeFor, pipelineOptions, zones, validate, metrics, log })
      : new Pipeline({ ...pipelineOptions, runtime: runtimeFor(rules.rules) });
    // Incidents first: a wrong receiver configuration stops the start before any event is read.
    const partitioned = pipeline instanceof PartitionedPipeline;
    // Scale-out: incident management applies alert changes and runs its timers in the router's process only;
    // the others follow the shared state (and serve the API from it).
    const incidents = await startIncidents(config, bus, store, policies.policies, metrics, log.child({ sub: 'incidents' }), partitioned);
    if (partitioned) pipeline.onLeadChange((held) => void (held ? incidents.service.lead() : incidents.service.follow()).catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'incident management could not change its role')));
    await pipeline.start();
    let policiesReload: Promise<void> = Promise.resolve();
    const watcher = new RulesWatcher({
      dir: config['rules.dir'],
      load: async () => {
        const r = await loadRulesDir(config['rules.dir']);
        ruleTables = r.tables;
        return r;
      },
      current: () => rules.rules,
      apply: (next) => {
        rules = new RuleSet(next);
        metrics.rulesLoaded.set(rules.activeIds().size);
        void pipeline.reload(next).then(
          (r) => log.info({ kept: r.kept.length, restarted: r.restarted, added: r.added, removed: r.removed }, 'rules in force'),
          (err: unknown) => log.error({ err: errorMessage(err) }, 'rules could not be put in force'),
        );
        policiesReload = incidents.reload(policiesDir);
        return `${rules.activeIds().size} rules`;
      },
      onResult: (ok) => metrics.reloads.labels(ok ? 'ok' : 'partial').inc(),
      log: log.child({ sub: 'rules' }),
    });
    if (config['rules.watch']) watcher.start();
    void pipeline.whenStopped().then(() => {
      if (pipeline.failure) opts.onFatal?.(pipeline.failure);
    });

    for (const [path, handler] of createHandlers({
      bus,
      live,
      metrics,
      log: log.child({ sub: 'api' }),
      validate: { now, maxFutureMs: config['ingest.maxFutureSeconds'] * 1000 },
      mode,
      ingestLimits: new IngestLimits(limits),
      incidents: incidents.service,
      incidentStats: (q) => store.incidentStats(q),
    })) handlers.set(path, handler);
    const clickhouse = store instanceof ClickHouseStore ? store : undefined;
    for (const [path, handler] of queryHandlers({
      ...(clickhouse ? { runner: clickhouse, database: config['clickhouse.db'] } : {}),
      now,
      openIncidents: (zone) => incidents.service.openCount(zone),
      incidentStats: (q) => store.incidentStats(q),
    })) handlers.set(path, handler);
    // Backtests read stored history, so they need ClickHouse.
    if (store instanceof ClickHouseStore) {
      for (const [path, handler] of backtestHandlers({
        openSource: () =>
          new ClickHouseEventSource({ ...clickHouseAccess(config), database: config['clickhouse.db'] }),
        currentRules: () => rules.rules,
        tables: () => ruleTables,
        allowedLatenessMs: config['rules.allowedLatenessMs'],
      })) handlers.set(path, handler);
    }
    for (const [path, handler] of sessionHandlers({ requiresSignIn: config['auth.mode'] === 'required' })) handlers.set(path, handler);
    // Every method behind authentication and the role table (engine/auth/roles.ts), for both transports.
    for (const [path, handler] of guardHandlers(new Map(handlers), authenticate)) handlers.set(path, handler);
    readiness = (): Readiness => {
      const checks = {
        nats: { ok: bus.connected(), detail: bus.kind },
        clickhouse: { ok: storeOk, detail: store.kind },
        rules: { ok: true, detail: `${rules.activeIds().size} rules` },
        pipeline: { ok: pipeline.failure === undefined, detail: pipeline.failure ? errorMessage(pipeline.failure) : 'running' },
      };
      return { ready: Object.values(checks).every((c) => c.ok), checks };
    };
    const grpcServer = await startGrpcServer({ handlers, host: config['grpc.host'], port: config['grpc.port'], log: log.child({ sub: 'grpc' }), metrics, maxReceiveBytes: limits.maxMessageBytes, callTimeoutMs: limits.callTimeoutMs, maxConcurrentStreams: limits.maxStreamsPerConnection, ...(tls ? { tls } : {}) });
    starting = undefined;

    // Retention drops expired day (and month) partitions; the embedded store keeps its own bounds.
    const retention =
      store instanceof ClickHouseStore
        ? new Retention({
            runner: store,
            database: config['clickhouse.db'],
            policy: {
              eventsDays: config['retention.eventsDays'],
              rollupsMinuteDays: config['retention.rollupsMinuteDays'],
              rollupsHourDays: config['retention.rollupsHourDays'],
              alertsDays: config['retention.alertsDays'],
            },
            everyMs: config['retention.everyMinutes'] * 60_000,
            now,
            log: log.child({ sub: 'retention' }),
          })
        : undefined;
    if (config['retention.everyMinutes'] > 0) retention?.start();

    const health = setInterval(() => {
      void store.ping().then((ok) => {
        if (ok !== storeOk) log[ok ? 'info' : 'warn'](`storage is ${ok ? 'reachable again' : 'unreachable'}`);
        storeOk = ok;
      });
      if (bus.kind === 'nats') {
        (bus as NatsBus).pending().then((n) => metrics.consumerLag.set(n), () => undefined);
      }
    }, 5000);
    health.unref();

    log.info({ mode, http: httpServer.port, grpc: grpcServer.port }, 'engine started');
    return {
      mode,
      httpPort: httpServer.port,
      grpcPort: grpcServer.port,
      bus,
      store,
      live,
      metrics,
      get rules() {
        return rules;
      },
      incidents: incidents.service,
      readiness,
      reloadRules: async () => {
        await watcher.reload();
        await policiesReload;
      },
      stop: async (drainMs = 5000) => {
        watcher.stop();
        retention?.stop();
        clearInterval(health);
        await pipeline.stop(drainMs);
        await Promise.all([grpcServer.close(), httpServer.close()]);
        await incidents.stop();
        alertsSub.unsubscribe();
        sharing?.stop();
        live.close();
        await bus.close();
        await store.close();
        log.info('engine stopped');
      },
    };
  }
}

/**
 * The scale-out pipeline: this process joins the partition plan on the bus's
 * lease board; each partition it wins runs its own Pipeline (runtime,
 * consumer, checkpoint, snapshot) on the routed stream.
 */
async function partitionedPipeline(o: {
  config: Config;
  bus: Bus;
  rules: readonly CompiledRule[];
  runtimeFor(rules: readonly CompiledRule[]): ReturnType<typeof createRuleRuntime>;
  pipelineOptions: Omit<PipelineOptions, 'runtime'>;
  zones: ZoneLocator;
  validate: ValidateOptions;
  metrics: Metrics;
  log: Logger;
}): Promise<PartitionedPipeline> {
  const { config, bus } = o;
  if (bus.kind !== 'nats') throw new ConfigError('cluster.partitions needs NATS (leases and partition streams live there); the embedded bus has one stream');
  const nats = bus as NatsBus;
  const partitions = config['cluster.partitions'];
  const stream = config['nats.partitionsStream'];
  const leaseMs = config['cluster.leaseMs'];
  const startedAt = Date.now();
  // One INSERT for the batches that a process's partitions commit at the same time (group commit).
  const store = groupInserts(o.pipelineOptions.store);
  return new PartitionedPipeline({
    board: await nats.leaseBoard(leaseMs),
    member: { id: `${hostname()}-${process.pid}-${startedAt.toString(36)}`, host: hostname(), pid: process.pid, startedAt },
    partitions,
    leaseMs,
    roundMs: config['cluster.roundMs'],
    rules: o.rules,
    drainMs: 5000,
    lagOf: (p) => nats.pendingOf(partitionSource(stream, p)),
    metrics: o.metrics,
    log: o.log.child({ sub: 'cluster' }),
    pipelineFor: (p, rules) => {
      const ids = new Set(rules.map((r) => r.id));
      return new Pipeline({
        ...o.pipelineOptions,
        store,
        runtime: o.runtimeFor(rules),
        consumer: partitionSource(stream, p).consumer,
        source: partitionSource(stream, p),
        fence: true,
        liveScope: (a) => ids.has(a.rule) && partitionOf(a.zone || a.source, partitions) === p,
        // This partition's panes of the city-wide windows, for the city slot's combiner.
        partials: async (report) => {
          await bus.publishRaw(partialsSubject(p), encodeReport({ partition: p, ...report }));
        },
        log: o.log.child({ sub: 'pipeline', partition: p }),
      });
    },
    // City-wide windows: merged from every partition's panes.
    cityCombiner: (rules) => new CityCombiner({
      bus,
      store,
      runtime: o.runtimeFor(rules),
      live: o.pipelineOptions.live,
      batch: config['nats.batch'],
      maxAckPending: config['nats.maxAckPending'],
      flushMs: 200,
      retryMaxMs: config['writer.retryMaxMs'],
      metrics: o.metrics,
      log: o.log.child({ sub: 'pipeline', partition: 'city' }),
      partitionsWithEvents: () => nats.partitionsWithEvents(stream, partitions),
    }),
    // Other city-wide rules: one rules-only pipeline over every event, with its own consumer, checkpoint and snapshot.
    cityPipeline: (rules) => new Pipeline({
      ...o.pipelineOptions,
      store,
      runtime: o.runtimeFor(rules),
      consumer: CITY_CONSUMER,
      source: { stream: config['nats.eventsStream'], consumer: CITY_CONSUMER, filterSubject: 'ioc.events.>' },
      fence: true,
      rulesOnly: true,
      liveScope: (a) => rules.some((r) => r.id === a.rule), // a handful of city-wide rules
      log: o.log.child({ sub: 'pipeline', partition: 'city' }),
    }),
    router: () => new Router({
      bus,
      zones: o.zones,
      validate: o.validate,
      partitions,
      source: { stream: config['nats.eventsStream'], consumer: ROUTER_CONSUMER, filterSubject: 'ioc.events.>' },
      batch: config['nats.batch'],
      maxAckPending: config['nats.maxAckPending'],
      flushMs: 50,
      retryMaxMs: config['writer.retryMaxMs'],
      metrics: o.metrics,
      log: o.log.child({ sub: 'router' }),
    }),
  });
}

/** Incident management and its notification dispatcher, on the bus's buckets (or in memory when embedded). */
async function startIncidents(config: Config, bus: Bus, store: Store, policies: PolicySet, metrics: Metrics, log: Logger, follow: boolean): Promise<{ service: IncidentService; reload(dir: string): Promise<void>; stop(): Promise<void> }> {
  const outbox: Outbox =
    bus.kind === 'nats' ? await KvOutbox.open((bus as NatsBus).nc.jetstream(), { bucket: config['nats.outboxBucket'], replicas: config['nats.replicas'] }) : new MemoryOutbox();
  let service: IncidentService | undefined;
  const dispatcher = new NotificationDispatcher({
    receivers: policies.receivers,
    outbox,
    publish: (subject, data, msgId) => bus.publishNotification(subject, data, msgId),
    onAttempt: (a) => {
      metrics.notifications.labels(a.receiver, a.ok ? 'ok' : 'failed').inc();
      service?.recordDelivery(a);
    },
    log: log.child({ sub: 'notify' }),
    // Claims in the shared outbox name the process by host and port: stable across a restart (it resumes its own
    // claims at once), distinct for two engines on one machine.
    ...(config['grpc.port'] > 0 ? { owner: `${hostname()}:${config['grpc.port']}` } : {}),
  });
  service = new IncidentService({
    bus,
    store,
    notifications: dispatcher,
    policies,
    neighbours: zoneNeighbours(hanoiDistricts()),
    zoneNames: new Map(hanoiDistricts().map((d) => [d.id, { vi: d.nameVi, en: d.nameEn }])),
    bucket: config['nats.incidentsBucket'],
    consoleUrl: config['console.url'],
    keepResolvedMs: config['incidents.keepResolvedDays'] * 86_400_000,
    log,
    metrics,
    follow,
    // Only a scale-out's processes share the bucket; one engine process is its only writer.
    shared: follow,
  });
  await dispatcher.start();
  await service.start();
  return {
    service,
    /** Puts the policy files in force again; a broken file keeps the previous policies, and says why. */
    reload: async (dir: string) => {
      const loaded = await loadPolicyDir(dir);
      if (loaded.diagnostics.length > 0) {
        for (const d of loaded.diagnostics) log.error({ file: d.file, line: d.line, column: d.column }, `policy reload: ${formatDiagnostic(d)}`);
        log.warn('incident policies kept at their previous version because of errors');
        return;
      }
      try {
        await dispatcher.setReceivers(loaded.policies.receivers);
      } catch (err) {
        log.error({ err: errorMessage(err) }, 'incident policies kept at their previous version: their receivers cannot be used');
        return;
      }
      await service.setPolicies(loaded.policies);
      log.info({ policies: loaded.policies.policies.length, receivers: loaded.policies.receivers.length }, 'incident policies reloaded');
    },
    stop: async () => {
      await service.stop();
      await dispatcher.stop();
    },
  };
}

/** The TLS certificate and key when configured (both or neither). */
async function tlsFor(config: Config): Promise<{ cert: string; key: string } | undefined> {
  const certFile = config['tls.certFile'];
  const keyFile = config['tls.keyFile'];
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new ConfigError('TLS needs both tls.certFile and tls.keyFile (IOC_TLS_CERT_FILE, IOC_TLS_KEY_FILE)');
  const read = (f: string, what: string) => readFile(f, 'utf8').catch((err: unknown) => {
    throw new ConfigError(`cannot read the TLS ${what} ${f}: ${errorMessage(err)}`);
  });
  return { cert: await read(certFile, 'certificate'), key: await read(keyFile, 'key') };
}

/** Accounts and token keys from the configuration; with auth off, a warning that anyone may act. */
async function authenticatorFor(config: Config, log: Logger): Promise<Authenticate> {
  const required = config['auth.mode'] === 'required';
  if (!required) {
    if (config.mode !== 'embedded') log.warn('AUTH IS OFF (auth.mode=off: for `ioc demo`, development and tests only): anyone who reaches the gRPC and HTTP ports may read and act, as the user named in x-ioc-user; remove IOC_AUTH_MODE=off and configure accounts or a token key');
    return createAuthenticator({ required: false, accounts: [] });
  }
  const accounts = config['auth.accountsFile'] ? await loadAccounts(config['auth.accountsFile']) : [];
  const jwt = {
    ...(config['auth.jwtSecret'] ? { secret: config['auth.jwtSecret'] } : {}),
    ...(config['auth.jwtPublicKeyFile'] ? { publicKeyPem: await readFile(config['auth.jwtPublicKeyFile'], 'utf8') } : {}),
    ...(config['auth.jwksUrl'] ? { jwksUrl: config['auth.jwksUrl'] } : {}),
    ...(config['auth.jwtIssuer'] ? { issuer: config['auth.jwtIssuer'] } : {}),
    ...(config['auth.jwtAudience'] ? { audience: config['auth.jwtAudience'] } : {}),
  };
  const hasJwt = jwt.secret !== undefined || jwt.publicKeyPem !== undefined || jwt.jwksUrl !== undefined;
  if (accounts.length === 0 && !hasJwt) {
    throw new ConfigError(
      'auth.mode is required (the default) but nobody could sign in: no accounts and no bearer token key are configured. Either ' +
        '(1) create accounts: `ioc auth hash` prints a hashed secret for a password read from stdin; put it in a YAML file ' +
        '(accounts: [{ name: lan, role: operator, secret: "scrypt:..." }]) and set auth.accountsFile (IOC_AUTH_ACCOUNTS_FILE), ' +
        'or set a token key (auth.jwtSecret, auth.jwtPublicKeyFile or auth.jwksUrl); or ' +
        '(2) to try the engine without sign-in, run `ioc demo` (`npm start`), the only mode without authentication. ' +
        'See README "Security" and docs/configuration.md.',
    );
  }
  log.info({ accounts: accounts.length, bearer: hasJwt }, 'authentication required on every interface');
  return createAuthenticator({ required: true, accounts, ...(hasJwt ? { jwt } : {}) });
}

async function waitFor(what: string, op: () => Promise<void>, log: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await op();
      return;
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      const pause = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6));
      log.warn({ err: errorMessage(err), attempt, retryInMs: pause }, `${what} failed; retrying`);
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}
