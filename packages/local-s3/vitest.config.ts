import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'local-s3',
    include: ['tests/**/*.test.ts'],
  },
});
