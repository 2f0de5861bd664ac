import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { S3Storage } from '@autobio/s3-storage';

const STUBS_DIR = fileURLToPath(new URL('../stubs/', import.meta.url));

/** Users `pnpm dev seed --users` gives a subject image, an avatar and one illustration, from the stubs. */
export const SAMPLE_USERS = [
  { userId: 'sample-alice', subject: 'sunset.png', avatar: 'forest.png' },
  { userId: 'sample-bob', subject: 'ocean.png', avatar: 'sunset.png' },
] as const;

async function stubFiles(): Promise<string[]> {
  return (await readdir(STUBS_DIR)).filter((file) => file.endsWith('.png')).sort();
}

/** Uploads each stub image of the repo that the bucket does not have yet; returns their keys. */
export async function seedStubs(storage: S3Storage): Promise<string[]> {
  const seeded: string[] = [];
  for (const file of await stubFiles()) {
    const key = storage.getStubKey(file);
    if (await storage.objectExists(key)) continue;
    await storage.putObject(key, await readFile(`${STUBS_DIR}${file}`), {
      contentType: 'image/png',
    });
    seeded.push(key);
  }
  return seeded;
}

/**
 * Gives each sample user without a subject image one, an avatar and a memory illustration, so
 * the page and the CLI have data to show; users already seeded are left as they are.
 * @returns the keys written.
 */
export async function seedSampleUsers(storage: S3Storage): Promise<string[]> {
  const written: string[] = [];
  const put = async (key: string, file: string) => {
    await storage.putObject(key, await readFile(`${STUBS_DIR}${file}`), {
      contentType: 'image/png',
    });
    written.push(key);
  };
  for (const user of SAMPLE_USERS) {
    if (await storage.objectExists(storage.getSubjectKey(user.userId))) continue;
    await put(storage.getSubjectKey(user.userId), user.subject);
    await put(storage.getAvatarKey(user.userId), user.avatar);
    await put(storage.getGeneratedKey('memory', user.userId), user.subject);
  }
  return written;
}
