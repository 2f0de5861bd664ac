import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type LocalConnection,
  localConnectionEnvironment,
  readLocalConnection,
  removeLocalConnection,
  writeLocalConnection,
} from '../../src/connection.ts';
import { LocalConnectionError } from '../../src/errors.ts';
import { exitedPid } from '../helpers/processes.ts';

describe("the connection files of pnpm dev's data folder", () => {
  let dataDir: string;
  let connection: LocalConnection;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "autobio-connection-it's-"));
    connection = {
      engine: 'versitygw',
      endpoint: 'http://127.0.0.1:4569',
      bucket: 'auto-bio-local',
      region: 'us-east-1',
      accessKeyId: 'local-key',
      secretAccessKey: 'local-secret',
      pageUrl: 'http://localhost:3000',
      apiUrl: 'http://localhost:3000/api',
      pid: process.pid,
      dataDir,
    };
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('read back what pnpm dev wrote, while its process runs', async () => {
    await writeLocalConnection(connection);

    expect(await readLocalConnection(dataDir)).toEqual(connection);
  });

  it('read as nothing once the process that wrote them is gone', async () => {
    await writeLocalConnection({ ...connection, pid: await exitedPid() });

    expect(await readLocalConnection(dataDir)).toBeUndefined();
  });

  it('read as nothing when pnpm dev does not run there', async () => {
    expect(await readLocalConnection(dataDir)).toBeUndefined();
  });

  it('refuse a file pnpm dev did not write, naming it and the fix', async () => {
    const file = join(dataDir, 'connection.json');
    await writeFile(file, JSON.stringify({ endpoint: 'http://x' }));

    const read = readLocalConnection(dataDir);

    await expect(read).rejects.toThrow(LocalConnectionError);
    await expect(read).rejects.toThrow(`${file} lacks engine, bucket, region`);
  });

  it('give a shell the variables for the storage CLI and the AWS CLI', async () => {
    await writeLocalConnection(connection);

    // The data folder's name has a quote: the file must still be a valid script.
    const { stdout } = await promisify(execFile)('sh', [
      '-c',
      '. "$1" && env',
      'sh',
      join(dataDir, 'connection.env'),
    ]);

    for (const [name, value] of Object.entries(localConnectionEnvironment(connection))) {
      expect(stdout).toContain(`\n${name}=${value}\n`);
    }
  });

  it('are both removed on stop', async () => {
    await writeLocalConnection(connection);

    await removeLocalConnection(dataDir);

    await expect(stat(join(dataDir, 'connection.json'))).rejects.toThrow();
    await expect(stat(join(dataDir, 'connection.env'))).rejects.toThrow();
  });

  it('hold the JSON fields another tool reads', async () => {
    await writeLocalConnection(connection);

    expect(JSON.parse(await readFile(join(dataDir, 'connection.json'), 'utf8'))).toEqual(
      connection,
    );
  });
});
