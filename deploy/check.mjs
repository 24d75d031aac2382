#!/usr/bin/env node
// Checks the deployment files without Docker or a cluster: parses compose.yaml
// and every Kubernetes manifest, cross-checks names, ports, probes and
// durability settings, and test-loads the NATS configs with a local
// nats-server when one is installed. Exits non-zero on any failure; it must
// never contact a registry or a cluster.
//
//   node deploy/check.mjs

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parseDocument } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
let passed = 0;
let failed = 0;

function check(name, fn) {
  try {
    const note = fn();
    passed++;
    console.log(`ok    ${name}${note ? ` (${note})` : ''}`);
  } catch (err) {
    failed++;
    console.log(`FAIL  ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Parses YAML strictly: any syntax error or warning fails. Merge keys on, as compose uses them. */
function loadYaml(file) {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { prettyErrors: true, uniqueKeys: true, merge: true });
  if (!Array.isArray(docs)) throw new Error(`${file}: not a YAML stream`);
  for (const d of docs) {
    const problems = [...d.errors, ...d.warnings];
    if (problems.length > 0) throw new Error(`${file}: ${problems[0].message}`);
  }
  return docs.map((d) => d.toJS({ maxAliasCount: 100 })).filter((d) => d !== null);
}

/** The default of a `${VAR:-default}` compose interpolation, or the value itself. */
function interpolated(value) {
  const m = /^\$\{[A-Z0-9_]+:-(.*)\}$/.exec(String(value));
  return m ? m[1] : String(value);
}

/** NATS image tags must be 2.10 or later (sync_interval, multi-filter consumers). */
function natsVersionOk(image) {
  const m = /^nats:(\d+)\.(\d+)/.exec(image);
  return m !== null && (Number(m[1]) > 2 || (Number(m[1]) === 2 && Number(m[2]) >= 10));
}

function natsServerBinary() {
  return ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => existsSync(p));
}

/**
 * Loads a NATS config with `nats-server -t`. Debian's 2.9 does not know
 * `sync_interval`, so that line is checked by text and left out of the test load.
 */
function testNatsConfig(text, env) {
  assert(/^\s*sync_interval:\s*always\s*$/m.test(text), 'jetstream.sync_interval is not "always"');
  const bin = natsServerBinary();
  if (!bin) return 'syntax not test-loaded: no nats-server here';
  const dir = mkdtempSync(join(tmpdir(), 'ioc-check-'));
  try {
    const file = join(dir, 'nats.conf');
    writeFileSync(file, text.replace(/^\s*sync_interval:.*$/m, '').replace(/\/data\/jetstream/g, join(dir, 'js')));
    execFileSync(bin, ['-t', '-c', file], { env: { ...process.env, ...env }, stdio: 'pipe' });
    return `test-loaded by ${bin}`;
  } catch (err) {
    throw new Error(`nats-server -t: ${String(err.stderr ?? err.message).trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- Dockerfile ---------------------------------------------------------------

check('Dockerfile builds on node:20 and starts the engine', () => {
  const text = readFileSync(join(here, 'Dockerfile'), 'utf8');
  assert(/^FROM node:20\b/m.test(text), 'no FROM node:20');
  assert(/\bnpm ci\b/.test(text), 'no npm ci');
  assert(/CMD \["node", "engine\/cli\/bin\.mjs", "start"\]/.test(text), 'CMD is not node engine/cli/bin.mjs start');
  assert(existsSync(join(root, 'engine/cli/bin.mjs')), 'engine/cli/bin.mjs does not exist');
  assert(/EXPOSE 8080 50051/.test(text), 'ports 8080 and 50051 not exposed');
});

// --- compose --------------------------------------------------------------------

const composeDir = join(here, 'compose');
let compose;
check('deploy/compose.yaml includes compose/compose.yaml', () => {
  const [top] = loadYaml(join(here, 'compose.yaml'));
  assert(Array.isArray(top?.include) && top.include.length === 1, 'no single include');
  const target = typeof top.include[0] === 'string' ? top.include[0] : top.include[0].path;
  assert(join(here, target) === join(composeDir, 'compose.yaml'), `includes ${target}`);
  assert(Object.keys(top).every((k) => k === 'include'), 'defines more than the include');
});
check('compose.yaml parses', () => {
  [compose] = loadYaml(join(composeDir, 'compose.yaml'));
  assert(compose && typeof compose.services === 'object', 'no services');
  return `${Object.keys(compose.services).length} services`;
});

if (compose) {
  const services = compose.services;
  const natsNodes = Object.keys(services).filter((s) => /^nats-\d+$/.test(s));

  check('compose: three NATS 2.10+ nodes with their own volumes and names', () => {
    assert(natsNodes.length === 3, `${natsNodes.length} NATS nodes`);
    for (const n of natsNodes) {
      const s = services[n];
      assert(natsVersionOk(interpolated(s.image)), `${n}: image ${s.image} is older than 2.10`);
      assert(s.environment?.NATS_SERVER_NAME === n, `${n}: NATS_SERVER_NAME is ${s.environment?.NATS_SERVER_NAME}`);
      assert(s.volumes?.some((v) => v.startsWith(`${n}:`)), `${n}: no named data volume`);
      assert(compose.volumes && n in compose.volumes, `${n}: volume not declared`);
      assert(s.healthcheck?.test, `${n}: no healthcheck`);
    }
  });

  check('compose: nats.conf routes name exactly the NATS services, JetStream fsyncs every write', () => {
    const text = readFileSync(join(composeDir, 'nats.conf'), 'utf8');
    const routes = [...text.matchAll(/nats-route:\/\/([a-z0-9-]+):6222/g)].map((m) => m[1]).sort();
    assert(JSON.stringify(routes) === JSON.stringify([...natsNodes].sort()), `routes ${routes} vs services ${natsNodes}`);
    for (const n of natsNodes) assert(services[n].volumes.includes('./nats.conf:/etc/nats/ioc.conf:ro'), `${n}: nats.conf not mounted`);
    return testNatsConfig(text, { NATS_SERVER_NAME: 'nats-1' });
  });

  check('compose: engine replicas get NATS, ClickHouse, R3 and partitions through IOC_* variables', () => {
    const e = services.engine;
    assert(e, 'no engine service');
    assert(existsSync(join(composeDir, e.build.context, e.build.dockerfile)), `dockerfile ${e.build.dockerfile} not found from ${e.build.context}`);
    assert(Number(interpolated(e.deploy?.replicas)) >= 2, 'fewer than 2 replicas by default');
    const env = e.environment;
    const urls = String(env.IOC_NATS_URL).split(',').map((u) => new URL(u).hostname);
    for (const h of urls) assert(natsNodes.includes(h), `IOC_NATS_URL names ${h}, not a NATS service`);
    assert(new URL(env.IOC_CLICKHOUSE_URL).hostname in services, 'IOC_CLICKHOUSE_URL host is not a service');
    assert(env.IOC_NATS_REPLICAS === '3', 'IOC_NATS_REPLICAS is not 3');
    // Replicas without partitions would split one consumer's events at random, and rule state with them.
    assert(Number(interpolated(env.IOC_CLUSTER_PARTITIONS)) >= Number(interpolated(e.deploy?.replicas)), 'IOC_CLUSTER_PARTITIONS is unset or smaller than the replicas');
    assert(env.IOC_MODE === 'real', 'IOC_MODE is not real');
    assert(String(e.healthcheck?.test).includes('/readyz'), 'engine healthcheck does not use /readyz');
    for (const d of Object.keys(e.depends_on ?? {})) assert(d in services, `depends on unknown service ${d}`);
  });

  check('compose: ClickHouse has a volume, a password from the environment and a healthcheck', () => {
    const c = services.clickhouse;
    assert(c?.volumes?.some((v) => v.endsWith(':/var/lib/clickhouse')), 'no data volume');
    assert(String(c.environment.CLICKHOUSE_PASSWORD).includes('IOC_CLICKHOUSE_PASSWORD'), 'password not taken from IOC_CLICKHOUSE_PASSWORD');
    assert(c.environment.CLICKHOUSE_PASSWORD === services.engine.environment.IOC_CLICKHOUSE_PASSWORD, 'engine and ClickHouse passwords differ');
    assert(c.healthcheck?.test, 'no healthcheck');
    const mount = c.volumes.find((v) => v.includes('/etc/clickhouse-server/config.d/'));
    assert(mount && existsSync(join(composeDir, mount.split(':')[0])), 'durability settings not mounted');
    const xml = readFileSync(join(composeDir, mount.split(':')[0]), 'utf8');
    assert(/<fsync_after_insert>1<\/fsync_after_insert>/.test(xml), 'fsync_after_insert is not 1');
  });
}

// --- Kubernetes -------------------------------------------------------------------

const k8sDir = join(here, 'k8s');
const manifests = [];
check('k8s: every manifest parses and names its kind', () => {
  for (const f of readdirSync(k8sDir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    for (const doc of loadYaml(join(k8sDir, f))) {
      assert(doc.apiVersion && doc.kind && doc.metadata?.name, `${f}: a document lacks apiVersion, kind or metadata.name`);
      manifests.push({ file: f, ...doc });
    }
  }
  return `${manifests.length} objects`;
});

check('k8s: kustomization lists every manifest that exists', () => {
  const [k] = loadYaml(join(k8sDir, 'kustomization.yaml'));
  const files = readdirSync(k8sDir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  for (const r of k.resources) assert(existsSync(join(k8sDir, r)), `${r} missing`);
  for (const f of files) assert(k.resources.includes(f), `${f} not in resources`);
  assert(k.secretGenerator?.some((s) => s.name === 'ioc-clickhouse'), 'no ioc-clickhouse secret');
});

const find = (kind, name) => manifests.find((m) => m.kind === kind && m.metadata.name === name);
const labelsMatch = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
const workloads = () => manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet');

check('k8s: every Service and PodDisruptionBudget selects a workload, and named ports exist', () => {
  for (const s of manifests.filter((m) => m.kind === 'Service' || m.kind === 'PodDisruptionBudget')) {
    const selector = s.kind === 'Service' ? s.spec.selector : s.spec.selector.matchLabels;
    const w = workloads().find((w) => labelsMatch(selector, w.spec.template.metadata.labels));
    assert(w, `${s.kind} ${s.metadata.name} selects no workload`);
    if (s.kind !== 'Service') continue;
    const names = w.spec.template.spec.containers.flatMap((c) => c.ports.map((p) => p.name));
    for (const p of s.spec.ports) assert(typeof p.targetPort !== 'string' || names.includes(p.targetPort), `Service ${s.metadata.name}: no container port ${p.targetPort}`);
  }
  for (const w of workloads()) assert(labelsMatch(w.spec.selector.matchLabels, w.spec.template.metadata.labels), `${w.metadata.name}: selector does not match its pods`);
});

check('k8s: NATS is a 3-node JetStream StatefulSet with routes to each pod', () => {
  const sts = find('StatefulSet', 'nats');
  assert(sts?.spec.replicas === 3, 'nats StatefulSet without 3 replicas');
  const headless = find('Service', sts.spec.serviceName);
  assert(headless?.spec.clusterIP === 'None', `${sts.spec.serviceName} is not a headless Service`);
  assert(headless.spec.publishNotReadyAddresses === true, 'headless Service must publish not-ready pods for routes');
  const image = sts.spec.template.spec.containers[0].image;
  assert(natsVersionOk(image), `image ${image} is older than 2.10`);
  const conf = find('ConfigMap', 'nats-config').data['nats.conf'];
  const want = [0, 1, 2].map((i) => `nats-${i}.${sts.spec.serviceName}`);
  const routes = [...conf.matchAll(/nats-route:\/\/([a-z0-9.-]+):6222/g)].map((m) => m[1]);
  assert(JSON.stringify(routes) === JSON.stringify(want), `routes ${routes} vs ${want}`);
  assert(sts.spec.volumeClaimTemplates?.length === 1, 'no volume claim for JetStream');
  return testNatsConfig(conf, { POD_NAME: 'nats-0' });
});

check('k8s: engine Deployment has replicas, partitions, probes on /readyz and /healthz, ports 8080 and 50051, resources', () => {
  const d = find('Deployment', 'ioc-engine');
  assert(d?.spec.replicas >= 2, 'fewer than 2 replicas');
  const c = d.spec.template.spec.containers[0];
  const ports = Object.fromEntries(c.ports.map((p) => [p.name, p.containerPort]));
  assert(ports.http === 8080 && ports.grpc === 50051, `ports ${JSON.stringify(ports)}`);
  assert(c.readinessProbe?.httpGet?.path === '/readyz', 'readinessProbe is not /readyz');
  assert(c.livenessProbe?.httpGet?.path === '/healthz', 'livenessProbe is not /healthz');
  assert(c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.memory, 'resources incomplete');
  const env = find('ConfigMap', 'ioc-engine').data;
  assert(env.IOC_NATS_REPLICAS === '3', 'IOC_NATS_REPLICAS is not 3');
  assert(Number(env.IOC_CLUSTER_PARTITIONS) >= d.spec.replicas, 'IOC_CLUSTER_PARTITIONS is unset or smaller than the replicas');
  for (const key of ['IOC_NATS_URL', 'IOC_CLICKHOUSE_URL']) {
    assert(find('Service', new URL(env[key]).hostname), `${key} names no Service (${env[key]})`);
  }
});

check('k8s: ClickHouse StatefulSet keeps its data on a volume and reads its password from the secret', () => {
  const sts = find('StatefulSet', 'clickhouse');
  assert(sts, 'no clickhouse StatefulSet');
  const c = sts.spec.template.spec.containers[0];
  assert(c.volumeMounts.some((m) => m.mountPath === '/var/lib/clickhouse'), 'no data mount');
  assert(c.env.some((e) => e.valueFrom?.secretKeyRef?.name === 'ioc-clickhouse'), 'password not from ioc-clickhouse');
  assert(c.readinessProbe?.httpGet?.path === '/ping', 'readinessProbe is not /ping');
  const xml = find('ConfigMap', 'clickhouse-config')?.data['ioc-durability.xml'] ?? '';
  assert(xml === readFileSync(join(here, 'compose', 'clickhouse-durability.xml'), 'utf8').replace(/<!--[\s\S]*?-->\n/, ''), 'durability settings differ from deploy/compose/clickhouse-durability.xml');
  assert(c.volumeMounts.some((m) => m.subPath === 'ioc-durability.xml'), 'durability settings not mounted');
});

check('k8s: Helm values for the official NATS chart parse and keep sync_interval always', () => {
  const doc = parseDocument(readFileSync(join(k8sDir, 'helm', 'nats-values.yaml'), 'utf8'));
  assert(doc.errors.length === 0, String(doc.errors[0]?.message));
  const v = doc.toJS();
  assert(v.config.cluster.replicas === 3, 'cluster.replicas is not 3');
  assert(v.config.jetstream.merge.sync_interval === 'always', 'sync_interval is not always');
});

console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
