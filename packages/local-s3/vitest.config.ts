import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'local-s3',
    include: ['tests/**/*.test.ts'],
    // The SDK's "Node 22 will be required" notice would repeat in every worker's output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
