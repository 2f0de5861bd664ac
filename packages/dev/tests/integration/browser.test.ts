import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../src/local-stack.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SUBJECT_PNG = fileURLToPath(new URL('../../stubs/sunset.png', import.meta.url));
const AVATAR_PNG = fileURLToPath(new URL('../../stubs/forest.png', import.meta.url));

describe('the local page in headless Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;
  let dataDir: string;
  let textFile: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'autobio-dev-browser-'));
    textFile = join(dataDir, '..', `not-an-image-${process.pid}.txt`);
    await writeFile(textFile, 'hello');
    stack = await startLocalStack({
      port: 0,
      s3Port: 0,
      dataDir,
      s3Mode: 'embedded',
      localBucket: 'auto-bio-local',
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(textFile, { force: true });
  });

  async function signIn(page: Page, origin: string, userId: string): Promise<void> {
    await page.goto(origin);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#user-id', userId);
    await page.click('#sign-in button[type="submit"]');
    await expect.poll(() => page.textContent('#signed-in-as')).toBe(`Signed in as ${userId}`);
  }

  const imageLoaded = (page: Page, selector: string) =>
    page.$eval(
      selector,
      (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0,
    );

  it('uploads a subject image and an avatar straight to S3, generates an illustration and shows it', async () => {
    const page = await browser.newPage();
    const s3Puts: {
      origin: string | undefined;
      allowOrigin: string | undefined;
      status: number;
    }[] = [];
    page.on('response', async (response) => {
      const request = response.request();
      if (request.url().startsWith(stack.s3Endpoint!) && request.method() === 'PUT') {
        s3Puts.push({
          origin: (await request.allHeaders()).origin,
          allowOrigin: response.headers()['access-control-allow-origin'],
          status: response.status(),
        });
      }
    });

    await signIn(page, stack.pageUrl, 'browser-alice');
    await page.setInputFiles('#subject-file', SUBJECT_PNG);
    await page.click('#upload-subject');
    await expect.poll(() => page.textContent('#status')).toContain('as subjects/browser-alice.png');
    await expect.poll(() => imageLoaded(page, '#subject-preview')).toBe(true);

    await page.setInputFiles('#avatar-file', AVATAR_PNG);
    await page.click('#upload-avatar');
    await expect.poll(() => imageLoaded(page, '#avatar-preview')).toBe(true);

    await page.selectOption('#kind', 'memory');
    await page.click('#generate');
    await expect.poll(() => page.$$eval('#illustrations li', (items) => items.length)).toBe(1);
    await expect.poll(() => imageLoaded(page, '#illustrations li img')).toBe(true);
    expect(await page.isHidden('#error')).toBe(true);
    // The uploads went to S3 itself, cross-origin, and S3's CORS answer let the page read them.
    expect(s3Puts).toHaveLength(2);
    for (const put of s3Puts) {
      expect(put).toMatchObject({ origin: stack.pageUrl, status: 200 });
      expect(put.allowOrigin).toBeDefined();
    }
    await page.close();
  });

  it('shows an error when the file is not an accepted image type', async () => {
    const page = await browser.newPage();
    await signIn(page, stack.pageUrl, 'browser-bob');
    await page.setInputFiles('#subject-file', textFile);
    await page.click('#upload-subject');
    await expect.poll(() => page.isVisible('#error')).toBe(true);
    expect(await page.textContent('#error')).toContain('Upload refused: 400');
    expect(await page.textContent('#error')).toContain('"text/plain" is not accepted');
    expect(await page.isHidden('#subject-preview')).toBe(true);
    await page.close();
  });

  it("shows an error when the page's origin is not allowed by the bucket's CORS rules", async () => {
    const page = await browser.newPage();
    // The same page from 127.0.0.1 is another origin than the allowed http://localhost:PORT.
    const otherOrigin = stack.pageUrl.replace('localhost', '127.0.0.1');
    await signIn(page, otherOrigin, 'browser-carol');
    await page.setInputFiles('#subject-file', SUBJECT_PNG);
    await page.click('#upload-subject');
    await expect.poll(() => page.isVisible('#error')).toBe(true);
    expect(await page.textContent('#error')).toContain('Upload to S3 failed');
    expect(await page.textContent('#error')).toContain(otherOrigin);
    await page.close();
  });
});
