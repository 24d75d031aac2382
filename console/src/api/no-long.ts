// Stands in for the `long` package in the console build (see vite.config.ts).
// Without it protobufjs decodes int64 as plain numbers, which the generated types
// promise, and Long.js's WebAssembly probe no longer trips the page's CSP.
export {};
