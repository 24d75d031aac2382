#!/usr/bin/env node
// Makes sure the system packages the tests need are installed: nats-server,
// clickhouse-server, zookeeper and chromium (Debian packages). Installs the missing ones
// with apt-get (as root, or through sudo), and says clearly what it did.
// Tests start their own private servers; nothing here starts a service.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needs = [
  { pkg: 'nats-server', paths: ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'] },
  { pkg: 'clickhouse-server', paths: ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server', '/usr/bin/clickhouse'] },
  // The ClickHouse cluster test (ON CLUSTER DDL, Replicated tables) starts a private ZooKeeper on the system Java.
  { pkg: 'zookeeper', paths: ['/usr/share/java/zookeeper.jar'] },
  { pkg: 'chromium', paths: ['/usr/bin/chromium'] },
  // The TLS tests make their own certificate authority and certificates.
  { pkg: 'openssl', paths: ['/usr/bin/openssl'] },
];

const missing = needs.filter((n) => !n.paths.some((p) => existsSync(p))).map((n) => n.pkg);
if (missing.length === 0) {
  console.log('ensure-system: nats-server, clickhouse-server, zookeeper, chromium and openssl are installed');
  process.exit(0);
}

console.log(`ensure-system: installing ${missing.join(', ')} with apt-get (once per machine)`);
const isRoot = process.getuid?.() === 0;
const hasSudo = spawnSync('sudo', ['-n', 'true']).status === 0;
if (!isRoot && !hasSudo) {
  console.error(`ensure-system: need root to install ${missing.join(', ')}; run: sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}
const run = (args) => {
  const [cmd, ...rest] = isRoot ? args : ['sudo', '-n', ...args];
  execFileSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
};
try {
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', ...missing]);
} catch (err) {
  console.error(`ensure-system: apt-get failed: ${err.message}`);
  process.exit(1);
}
const still = needs.filter((n) => missing.includes(n.pkg) && !n.paths.some((p) => existsSync(p))).map((n) => n.pkg);
if (still.length > 0) {
  console.error(`ensure-system: ${still.join(', ')} still missing after apt-get`);
  process.exit(1);
}
console.log('ensure-system: done');
