import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'dev',
    include: ['tests/**/*.test.ts'],
    // The browser test starts Chromium; the start-up test a whole `pnpm dev` process.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
