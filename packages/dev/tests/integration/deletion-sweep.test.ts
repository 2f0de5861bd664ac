import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { devAuthorization } from '../../src/auth.ts';
import { startTestStack, type TestStack } from '../helpers/test-stack.ts';

let running: TestStack | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
  vi.unstubAllEnvs();
});

const call = (user: string, method: string, path: string, body?: unknown) =>
  fetch(`${running!.stack.apiUrl}${path}`, {
    method,
    headers: {
      authorization: devAuthorization(user),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

const uploadUrl = (user: string) =>
  call(user, 'POST', '/uploads/subject', { contentType: 'image/png', contentLengthBytes: 8 });

describe("pnpm dev's account deletion", () => {
  it('answers DELETE /me/data 202 as the API does, refuses writes until the sweep, and the sweep ends it', async () => {
    running = await startTestStack({ sweepIntervalMs: 3_600_000 });

    const deleted = await call('alice', 'DELETE', '/me/data');

    expect(deleted.status).toBe(202);
    const body = (await deleted.json()) as { status: string; sweepAfter: string };
    expect(body.status).toBe('pending');
    expect(Date.parse(body.sweepAfter) - Date.now()).toBeGreaterThan(900_000);
    const refused = await uploadUrl('alice');
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'DeletionPending',
    );
    // Not due yet: the sweep leaves it pending.
    expect((await running.stack.sweeper.runNow())?.pending).toEqual(['alice']);
    expect((await uploadUrl('alice')).status).toBe(409);
  });

  it('runs the sweep on its timer: with DELETION_SWEEP_DELAY_SECONDS=0 writes work again within a run or two', async () => {
    vi.stubEnv('DELETION_SWEEP_DELAY_SECONDS', '0');
    running = await startTestStack({ sweepIntervalMs: 200 });
    expect((await call('bob', 'DELETE', '/me/data')).status).toBe(202);

    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt += 1) {
      status = (await uploadUrl('bob')).status;
      if (status !== 200) await sleep(100);
    }

    expect(status).toBe(200);
  });
});
