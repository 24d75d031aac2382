// Configuration: ioc.yaml plus IOC_* environment variables, declared once.
export { configKeys, configReference, envName, loadConfig, type Config, type ConfigKey } from './config.ts';
export { keyName, readConfigFile, redactUrl, secretFrom } from './secrets.ts';
