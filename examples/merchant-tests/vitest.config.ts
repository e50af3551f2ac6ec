import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // In this repository `satang/testing` is the TypeScript source. A merchant's project, with the
    // package installed, needs no alias: the package's exports point at its compiled dist.
    alias: { 'satang/testing': fileURLToPath(new URL('../../src/testing.ts', import.meta.url)) },
  },
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['*.vitest.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
