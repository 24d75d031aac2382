// Secrets in the configuration: a password or token comes from its key (often
// an IOC_* variable) or from a `...File` key naming a file that holds it, so it
// need not sit in ioc.yaml. Also the one way to show a configured URL in a
// message or log line: without the user and password it may carry.

import { readFileSync } from 'node:fs';
import { ConfigError, errorMessage } from '../errors/index.ts';
import { envName, type Config, type ConfigKey } from './config.ts';

/** `nats.password (IOC_NATS_PASSWORD)`: how messages name a key. */
export function keyName(key: ConfigKey): string {
  return `${key} (${envName(key)})`;
}

/**
 * The secret set by `valueKey` or read from the file `fileKey` names; '' when
 * neither is set. Both set is an error: one of them would be silently ignored.
 *
 * @example
 * secretFrom(config, 'nats.password', 'nats.passwordFile') // → 's3cret' read from /run/secrets/nats
 */
export function secretFrom(config: Config, valueKey: ConfigKey, fileKey: ConfigKey): string {
  const value = String(config[valueKey]);
  const file = String(config[fileKey]);
  if (value !== '' && file !== '') throw new ConfigError(`set ${keyName(valueKey)} or ${keyName(fileKey)}, not both`);
  if (file === '') return value;
  const text = readConfigFile(file, fileKey);
  // Files written by `echo` or editors end with a newline that is not part of the secret.
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new ConfigError(`${file} (${keyName(fileKey)}) is empty`);
  return secret;
}

/** The contents of a file a key names; a ConfigError that says which key and why when it cannot be read. */
export function readConfigFile(file: string, key: ConfigKey): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${file} (${keyName(key)}): ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * A URL, or comma-separated URLs, with user and password removed: safe for
 * messages and logs. Text that is not a URL is returned as it is.
 *
 * @example
 * redactUrl('nats://ioc:s3cret@nats-1:4222,nats://nats-2:4222') // → 'nats://nats-1:4222,nats://nats-2:4222'
 */
export function redactUrl(urls: string): string {
  return urls
    .split(',')
    .map((raw) => {
      const s = raw.trim();
      // `user:pass@` before the host, in any scheme (URL parsing alone misses hosts without a scheme).
      return s.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@\s]*@/i, '$1');
    })
    .join(',');
}
