import { describe, expect, it } from 'vitest';
import { devAuthorization, devUserFromAuthorization } from '../../src/auth.ts';

describe('the local sign-in', () => {
  it('reads the user id of a dev token', () => {
    expect(devUserFromAuthorization(devAuthorization('alice'))).toBe('alice');
    expect(devUserFromAuthorization('bearer dev-user:bob')).toBe('bob');
  });

  it.each([
    undefined,
    '',
    'Bearer',
    'Bearer eyJhbGciOiJSUzI1NiJ9.x.y',
    'Basic dev-user:alice',
    'Bearer dev-user:',
    'Bearer dev-user:../bob',
    'Bearer dev-user:a/b',
  ])('refuses %j', (header) => {
    expect(devUserFromAuthorization(header)).toBeUndefined();
  });
});
