// How every ClickHouse client of the engine and the CLI reaches the server:
// URL, user, password (from its key or a file) and TLS (own CA, client
// certificate), turned from the configuration into @clickhouse/client options
// in this one place. Never puts a secret in a message.

import { keyName, readConfigFile, redactUrl, secretFrom, type Config } from '../config/index.ts';
import { ConfigError } from '../errors/index.ts';

/** TLS options of @clickhouse/client 1.x: a CA, and for mutual TLS a client certificate and key. */
export type ClickHouseTls = { ca_cert: Buffer } | { ca_cert: Buffer; cert: Buffer; key: Buffer };

/** Where and as whom a ClickHouse client connects; spread into ClickHouseStore or ClickHouseEventSource options. */
export interface ClickHouseAccess {
  url: string;
  username: string;
  password: string;
  tls?: ClickHouseTls;
}

/**
 * The configured server, user, password and TLS. Files are read now, so a
 * missing file or a TLS key without `https://` stops the start with its key's name.
 *
 * @example
 * const store = new ClickHouseStore({ ...clickHouseAccess(config), database: config['clickhouse.db'] });
 */
export function clickHouseAccess(config: Config): ClickHouseAccess {
  const url = config['clickhouse.url'];
  const access: ClickHouseAccess = {
    url,
    username: config['clickhouse.user'],
    password: secretFrom(config, 'clickhouse.password', 'clickhouse.passwordFile'),
  };
  const caFile = config['clickhouse.tls.caFile'];
  const certFile = config['clickhouse.tls.certFile'];
  const keyFile = config['clickhouse.tls.keyFile'];
  if (caFile === '' && certFile === '' && keyFile === '') return access;
  if (!/^https:\/\//i.test(url.trim())) {
    throw new ConfigError(`clickhouse.tls.* is set but ${keyName('clickhouse.url')} is ${redactUrl(url)}: TLS needs an https:// URL (the server's https_port)`);
  }
  if ((certFile === '') !== (keyFile === '')) {
    throw new ConfigError(`ClickHouse TLS: a client certificate needs both ${keyName('clickhouse.tls.certFile')} and ${keyName('clickhouse.tls.keyFile')}`);
  }
  // @clickhouse/client takes a client certificate only together with a CA.
  if (caFile === '') throw new ConfigError(`ClickHouse TLS: a client certificate needs ${keyName('clickhouse.tls.caFile')} too`);
  const ca_cert = Buffer.from(readConfigFile(caFile, 'clickhouse.tls.caFile'));
  access.tls =
    certFile === ''
      ? { ca_cert }
      : { ca_cert, cert: Buffer.from(readConfigFile(certFile, 'clickhouse.tls.certFile')), key: Buffer.from(readConfigFile(keyFile, 'clickhouse.tls.keyFile')) };
  return access;
}
