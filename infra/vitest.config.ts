import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'infra',
    include: ['test/**/*.test.ts'],
    // A synth is CPU-bound (the first one in a worker also loads aws-cdk-lib): seconds, not
    // milliseconds, on a busy 2-core machine.
    testTimeout: 60_000,
  },
});
