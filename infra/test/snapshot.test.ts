import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES } from '../lib/index.ts';
import { environmentStacks } from './helpers/app.ts';

// Asset hashes change with every aws-cdk-lib release; the rest of the template should not.
function withoutAssetHashes(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}/g, '<asset-hash>'));
}

describe('the synthesized templates', () => {
  it.each(ENVIRONMENT_NAMES)('of %s match the snapshot', (name) => {
    const { storage } = environmentStacks(name);

    expect(withoutAssetHashes(Template.fromStack(storage).toJSON())).toMatchSnapshot();
  });
});
