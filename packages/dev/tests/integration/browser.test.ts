import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalS3Engine } from '@autobio/local-s3';
import type { S3Storage } from '@autobio/s3-storage';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3_ENGINES } from '../../src/constants.ts';
import type { LocalStack } from '../../src/local-stack.ts';
import {
  AVATAR_PNG,
  callApi,
  imageLoaded,
  launchChromium,
  listedCount,
  openPage,
  type PageStack,
  SUBJECT_PNG,
  seedSubjectImage,
  signIn,
  startPageStack,
  textOf,
} from '../helpers/local-page.ts';

/** Generating or uploading on a loaded machine can take a few seconds. */
const SLOW = { timeout: 20_000 };

/** The part of `GET /illustrations/{kind}`'s answer these tests read. */
interface IllustrationPage {
  readonly items: readonly { readonly key: string; readonly sizeBytes: number }[];
}

/**
 * The Access-Control-Allow-Origin each server answers the page's preflight with: s3rver answers
 * `*` to any origin its rules allow, versitygw the origin itself, as S3 does.
 */
const PREFLIGHT_ALLOW_ORIGIN: Record<LocalS3Engine, (pageOrigin: string) => string> = {
  s3rver: () => '*',
  versitygw: (pageOrigin) => pageOrigin,
};

/** A request of the page to S3 and the server's answer. */
interface S3Exchange {
  readonly origin: string | undefined;
  readonly allowOrigin: string | undefined;
  readonly status: number;
}

/**
 * Records the page's PUTs to S3 and the preflights before them, with the server's answers as
 * Chromium received them. Preflights come from Chromium's own network events: Playwright's
 * leave them out.
 */
async function recordS3Exchanges(page: Page, endpoint: string) {
  const preflights: Omit<S3Exchange, 'origin'>[] = [];
  const puts: S3Exchange[] = [];
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.responseReceived', ({ type, response }) => {
    if (type !== 'Preflight' || !response.url.startsWith(endpoint)) return;
    const allowOrigin = Object.entries(response.headers).find(
      ([name]) => name.toLowerCase() === 'access-control-allow-origin',
    )?.[1];
    preflights.push({ allowOrigin, status: response.status });
  });
  page.on('response', async (response) => {
    const request = response.request();
    if (!request.url().startsWith(endpoint) || request.method() !== 'PUT') return;
    puts.push({
      origin: (await request.allHeaders()).origin,
      allowOrigin: response.headers()['access-control-allow-origin'],
      status: response.status(),
    });
  });
  return { preflights, puts };
}

/**
 * A client that asks for a PNG upload but sends another content type with the same length: a
 * stored HTML file under an image key is what the signed content type exists to prevent.
 */
function putWithWrongContentType(page: Page, userId: string) {
  return page.evaluate(async (user) => {
    const body = '<b>not an image</b>';
    const presign = await fetch('/api/uploads/subject', {
      method: 'POST',
      headers: { authorization: `Bearer dev-user:${user}`, 'content-type': 'application/json' },
      body: JSON.stringify({ contentType: 'image/png', contentLengthBytes: body.length }),
    });
    const upload = (await presign.json()) as { url: string; key: string };
    const put = await fetch(upload.url, {
      method: 'PUT',
      headers: { 'content-type': 'text/html' },
      body,
    });
    return { key: upload.key, status: put.status, body: await put.text() };
  }, userId);
}

// One browser for the file; each test has a page (and so a context) of its own.
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe.each(S3_ENGINES)('the local page in headless Chromium on %s', (engine) => {
  let running: PageStack;
  let stack: LocalStack;
  let bucket: S3Storage;
  let textFile: string;

  beforeAll(async () => {
    running = await startPageStack(engine);
    ({ stack, bucket } = running);
    textFile = join(running.dataDir, 'not-an-image.txt');
    await writeFile(textFile, 'hello');
  });

  afterAll(async () => {
    await running?.stop();
  });

  it('uploads a subject image and an avatar straight to S3 after its own CORS preflight, generates an illustration and shows it', async () => {
    const page = await browser.newPage();
    const { preflights, puts } = await recordS3Exchanges(page, stack.s3!.endpoint);

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

    // Each PUT went to S3 itself, cross-origin, after a preflight the server answered for the
    // page's origin; the server's answer, not the browser's, is what is checked.
    expect(preflights).toHaveLength(2);
    for (const preflight of preflights) {
      expect(preflight).toMatchObject({
        status: 200,
        allowOrigin: PREFLIGHT_ALLOW_ORIGIN[engine](stack.pageUrl),
      });
    }
    expect(puts).toHaveLength(2);
    for (const put of puts) {
      expect(put).toMatchObject({ origin: stack.pageUrl, status: 200 });
      expect(put.allowOrigin).toBeDefined();
    }
    const stored = await bucket.headObject('subjects/browser-alice.png');
    expect(stored).toMatchObject({ contentType: 'image/png' });
    expect(stored.sizeBytes).toBeGreaterThan(0);
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

  it('tells a page opened at 127.0.0.1 to use localhost, before and when S3 refuses its upload on CORS', async () => {
    const page = await browser.newPage();
    // The same page from 127.0.0.1 is another origin than the allowed http://localhost:PORT.
    const otherOrigin = stack.pageUrl.replace('localhost', '127.0.0.1');
    await signIn(page, otherOrigin, 'browser-carol');
    expect(await textOf(page, '#origin-warning')).toContain(stack.pageUrl);
    expect(await page.getAttribute('#origin-warning a', 'href')).toBe(`${stack.pageUrl}/`);

    await page.setInputFiles('#subject-file', SUBJECT_PNG);
    await page.click('#upload-subject');

    await expect.poll(() => page.isVisible('#error')).toBe(true);
    const error = await textOf(page, '#error');
    expect(error).toContain('Upload to S3 failed');
    expect(error).toContain(otherOrigin);
    expect(error).toContain(`Open the page at ${stack.pageUrl}`);
    await page.close();
  });

  it('does not warn about the origin when the page is opened at localhost', async () => {
    const page = await browser.newPage();
    await openPage(page, stack.pageUrl);
    expect(await page.$('#origin-warning')).not.toBeNull();
    expect(await page.isHidden('#origin-warning')).toBe(true);
    await page.close();
  });

  it("shows each illustration's key and size, and a download link that S3 serves", async () => {
    const user = 'browser-erin';
    await seedSubjectImage(bucket, user);
    const page = await browser.newPage();
    await signIn(page, stack.pageUrl, user);
    await page.click('#generate');
    await expect.poll(() => listedCount(page), SLOW).toBe(1);
    const {
      items: [listed],
    } = await callApi<IllustrationPage>(stack.apiUrl, user, 'GET', '/illustrations/memory');

    const item = page.locator('#illustrations li').first();
    expect(await item.locator('.key').textContent()).toBe(listed!.key);
    const size = item.locator('data.size');
    expect(await size.getAttribute('value')).toBe(String(listed!.sizeBytes));
    expect(await size.textContent()).toMatch(/^\d+(\.\d)? (bytes|KiB|MiB)$/);
    const link = item.getByRole('link', { name: /^Download/ });
    const href = await link.getAttribute('href');
    expect(href).toContain(listed!.key);
    const download = await fetch(href!);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect((await download.arrayBuffer()).byteLength).toBe(listed!.sizeBytes);
    await page.close();
  });

  it("deletes the user's data once confirmed, says what it deleted and clears the images and the list", async () => {
    const user = 'browser-finn';
    const page = await browser.newPage();
    await signIn(page, stack.pageUrl, user);
    await page.setInputFiles('#subject-file', SUBJECT_PNG);
    await page.click('#upload-subject');
    await expect.poll(() => imageLoaded(page, '#subject-preview'), SLOW).toBe(true);
    await page.click('#generate');
    await expect.poll(() => listedCount(page), SLOW).toBe(1);
    page.once('dialog', (dialog) => void dialog.accept());

    await page.click('#delete-data');

    await expect.poll(() => textOf(page, '#status'), SLOW).toContain('Deleted 2 objects');
    expect(await textOf(page, '#status')).toContain(user);
    expect(await textOf(page, '#status')).toContain(
      'The deletion becomes final at the first sweep',
    );
    expect(await listedCount(page)).toBe(0);
    expect(await page.isVisible('#illustrations-empty')).toBe(true);
    expect(await page.isHidden('#subject-preview')).toBe(true);
    expect(await textOf(page, '#subject-caption')).toBe('No subject image yet.');
    expect(await bucket.objectExists(bucket.getSubjectKey(user))).toBe(false);
    const after = await callApi<IllustrationPage>(
      stack.apiUrl,
      user,
      'GET',
      '/illustrations/memory',
    );
    expect(after.items).toEqual([]);
    await page.close();
  });

  if (engine === 'versitygw') {
    it('refuses a presigned PUT whose content type is not the signed one, and stores nothing', async () => {
      const page = await browser.newPage();
      await signIn(page, stack.pageUrl, 'browser-dave');
      const put = await putWithWrongContentType(page, 'browser-dave');
      // S3's own refusal: the content type is part of the signature the URL carries.
      expect(put.status).toBe(403);
      expect(put.body).toContain('<Code>SignatureDoesNotMatch</Code>');
      expect(await bucket.objectExists(put.key)).toBe(false);
      // The same client sees what the server did store, so the check above can fail.
      expect(await bucket.objectExists('stubs/sunset.png')).toBe(true);
      await page.close();
    });
  } else {
    it('stores a presigned PUT whose content type is not the signed one, which is why DEV_S3=versitygw exists', async () => {
      const page = await browser.newPage();
      await signIn(page, stack.pageUrl, 'browser-dave');
      const put = await putWithWrongContentType(page, 'browser-dave');
      expect(put.status).toBe(200);
      expect(await bucket.headObject(put.key)).toMatchObject({ contentType: 'text/html' });
      await page.close();
    });
  }
});
