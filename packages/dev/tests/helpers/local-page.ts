import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalS3Engine } from '@autobio/local-s3';
import { createS3Storage, type S3Storage } from '@autobio/s3-storage';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { devAuthorization } from '../../src/auth.ts';
import { type LocalStack, startLocalStack } from '../../src/local-stack.ts';

/** Chromium to drive; CHROMIUM_PATH points at another build. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The stub images of the repo, as files a user would pick. */
export const SUBJECT_PNG = fileURLToPath(new URL('../../stubs/sunset.png', import.meta.url));
export const AVATAR_PNG = fileURLToPath(new URL('../../stubs/forest.png', import.meta.url));

/** Headless Chromium without the background traffic that slows it on a loaded machine. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** A local stack of its own for a test file, on the embedded S3. */
export interface PageStack {
  readonly stack: LocalStack;
  /** A client of its own, not the stack's: it sees what the server stored, not what the API says. */
  readonly bucket: S3Storage;
  /** A folder that is removed with the stack. */
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** Starts `pnpm dev`'s stack on free ports, with its data in a new temporary folder. */
export async function startPageStack(engine: LocalS3Engine): Promise<PageStack> {
  const dataDir = await mkdtemp(join(tmpdir(), `autobio-dev-browser-${engine}-`));
  const stack = await startLocalStack({
    port: 0,
    s3Port: 0,
    dataDir: join(dataDir, 's3'),
    s3Mode: 'embedded',
    s3Engine: engine,
    localBucket: 'auto-bio-local',
  });
  const bucket = createS3Storage({
    config: {
      bucketName: stack.bucket,
      endpoint: stack.s3!.endpoint,
      region: stack.s3!.region,
      credentials: stack.s3!.credentials,
      forcePathStyle: true,
    },
  });
  return {
    stack,
    bucket,
    dataDir,
    async stop() {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Opens the page at `origin` and waits until its script has wired the controls. */
export async function openPage(page: Page, origin: string): Promise<void> {
  await page.goto(origin);
  await page.waitForSelector('body[data-ready="true"]');
}

/** Opens the page and signs in as `userId` through the form, as a user does. */
export async function signIn(page: Page, origin: string, userId: string): Promise<void> {
  await openPage(page, origin);
  await page.fill('#user-id', userId);
  await page.click('#sign-in button[type="submit"]');
  await expect.poll(() => page.textContent('#signed-in-as')).toBe(`Signed in as ${userId}`);
}

/** Whether the image has loaded and decoded to something with a width. */
export function imageLoaded(page: Page, selector: string): Promise<boolean> {
  return page.$eval(
    selector,
    (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0,
  );
}

/** Calls the local API as `userId` from the test, as another tab of the same user would. */
export async function callApi<T>(
  apiUrl: string,
  userId: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: {
      authorization: devAuthorization(userId),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** The element's text now; throws (so `expect.poll` retries) while there is no such element. */
export function textOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (element) => element.textContent ?? '');
}

/** Whether the control is disabled now; throws while there is no such element. */
export function isDisabled(page: Page, selector: string): Promise<boolean> {
  return page.$eval(selector, (element) => (element as HTMLButtonElement).disabled);
}

/** How many illustrations the page lists now. */
export function listedCount(page: Page): Promise<number> {
  return page.$$eval('#illustrations li', (items) => items.length);
}

/** Stores a subject image for `userId` behind the API's back, as an earlier session would have. */
export async function seedSubjectImage(bucket: S3Storage, userId: string): Promise<string> {
  const key = bucket.getSubjectKey(userId);
  await bucket.putObject(key, await readFile(SUBJECT_PNG), { contentType: 'image/png' });
  return key;
}
