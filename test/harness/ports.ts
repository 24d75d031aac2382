// Free loopback ports for servers that tests start: the same allocator as the local cluster's,
// so ports handed out by either are never handed out again in one process.
export { freePort } from '../../deploy/local/ports.ts';
