import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Interop tests create network namespaces and run dhcpd; running them one file at a time
    // keeps two dhcpd pairs from competing for the two cores of a CI machine.
    fileParallelism: true,
    pool: 'forks',
  },
});
