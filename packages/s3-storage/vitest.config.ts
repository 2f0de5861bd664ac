import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 's3-storage',
    include: ['tests/**/*.test.ts'],
  },
});
