// The console page: header, wall map and alert list, wired to the Watch feed.
export { IocConsole, type ConsoleSnapshot } from './ioc-console.ts';
