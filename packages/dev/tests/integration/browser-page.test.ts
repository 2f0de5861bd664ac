import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_PROMPT_LENGTH } from '@autobio/functions';
import { DEFAULT_ALLOWED_CONTENT_TYPES, type S3Storage } from '@autobio/s3-storage';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_S3_ENGINE } from '../../src/constants.ts';
import type { LocalStack } from '../../src/local-stack.ts';
import {
  AVATAR_PNG,
  callApi,
  imageLoaded,
  isDisabled,
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

/** The controls that act for the signed-in user. */
const USER_CONTROLS = [
  '#subject-file',
  '#upload-subject',
  '#avatar-file',
  '#upload-avatar',
  '#kind',
  '#prompt',
  '#generate',
  '#delete-data',
];

/** Generating a dozen illustrations on a loaded machine takes a while. */
const SLOW = { timeout: 20_000 };

interface Box {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
}

function boxOf(page: Page, selector: string): Promise<Box> {
  return page.$eval(selector, (element) => {
    const { top, bottom, left } = element.getBoundingClientRect();
    return { top, bottom, left };
  });
}

/**
 * Records every text the element shows from now on, however briefly; the returned function
 * reads the record.
 */
async function recordTexts(page: Page, selector: string): Promise<() => Promise<string[]>> {
  await page.$eval(selector, (element) => {
    const texts: string[] = [];
    (element as HTMLElement & { shownTexts?: string[] }).shownTexts = texts;
    // From the records, not the element: a text replaced within one task is still seen.
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === 'characterData') texts.push(record.target.textContent ?? '');
        for (const node of Array.from(record.addedNodes)) texts.push(node.textContent ?? '');
      }
    }).observe(element, { childList: true, characterData: true, subtree: true });
  });
  return () =>
    page.$eval(selector, (element) => [
      ...((element as HTMLElement & { shownTexts?: string[] }).shownTexts ?? []),
    ]);
}

// What the page itself does does not depend on the S3 server, so these run on the default
// engine; browser.test.ts runs what S3 answers (CORS, signatures, downloads, deletion) on both.
describe('the local page in headless Chromium', () => {
  let running: PageStack;
  let stack: LocalStack;
  let bucket: S3Storage;
  let browser: Browser;
  let textFile: string;

  beforeAll(async () => {
    [running, browser] = await Promise.all([startPageStack(DEFAULT_S3_ENGINE), launchChromium()]);
    ({ stack, bucket } = running);
    textFile = join(running.dataDir, 'not-an-image.txt');
    await writeFile(textFile, 'hello');
  });

  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  it('keeps every control that acts for a user disabled until someone has signed in', async () => {
    const page = await browser.newPage();
    const unauthorized: string[] = [];
    page.on('response', (response) => {
      if (response.status() === 401) unauthorized.push(response.url());
    });
    await openPage(page, stack.pageUrl);

    expect(await textOf(page, '#signed-in-as')).toBe('Not signed in');
    for (const control of USER_CONTROLS)
      expect(await isDisabled(page, control), control).toBe(true);

    await page.fill('#user-id', 'browser-fay');
    await page.click('#sign-in button[type="submit"]');
    await expect.poll(() => textOf(page, '#signed-in-as')).toBe('Signed in as browser-fay');
    for (const control of USER_CONTROLS)
      expect(await isDisabled(page, control), control).toBe(false);
    expect(unauthorized).toEqual([]);
    await page.close();
  });

  it('refuses a user id the dev server refuses, and then says no one is signed in', async () => {
    const page = await browser.newPage();
    await signIn(page, stack.pageUrl, 'browser-gus');
    const shown = await recordTexts(page, '#signed-in-as');

    await page.fill('#user-id', 'a/b');
    await page.click('#sign-in button[type="submit"]');

    await expect.poll(() => textOf(page, '#error')).toContain('"a/b"');
    expect(await textOf(page, '#error')).toContain('401');
    expect(await textOf(page, '#signed-in-as')).toBe('Not signed in');
    // Not even while the server was asked.
    expect(await shown()).not.toContain('Signed in as a/b');
    expect(await isDisabled(page, '#generate')).toBe(true);
    await page.close();
  });

  it('clears the progress line when an upload is refused, so it no longer says it is uploading', async () => {
    const page = await browser.newPage();
    await signIn(page, stack.pageUrl, 'browser-hal');
    await page.setInputFiles('#subject-file', textFile);
    await page.click('#upload-subject');

    await expect.poll(() => page.isVisible('#error')).toBe(true);
    expect(await textOf(page, '#status')).toBe('');
    await page.close();
  });

  it('lays out the Avatar card as the Subject card: the upload button below its file input, at its left edge', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, stack.pageUrl, 'browser-ida');

    for (const target of ['subject', 'avatar']) {
      const input = await boxOf(page, `#${target}-file`);
      const button = await boxOf(page, `#upload-${target}`);
      expect(button.top, target).toBeGreaterThanOrEqual(input.bottom);
      expect(Math.abs(button.left - input.left), target).toBeLessThan(1);
    }
    await page.close();
  });

  it('names every control, so a screen reader and a test find it by its label', async () => {
    const page = await browser.newPage();
    await signIn(page, stack.pageUrl, 'browser-ivo');
    const named = [
      ['#user-id', page.getByRole('textbox', { name: 'User id', exact: true })],
      ['#subject-file', page.getByLabel('Subject image file (PNG, JPEG or WebP)')],
      ['#upload-subject', page.getByRole('button', { name: 'Upload subject image' })],
      ['#avatar-file', page.getByLabel('Avatar file (PNG, JPEG or WebP)')],
      ['#upload-avatar', page.getByRole('button', { name: 'Upload avatar' })],
      ['#kind', page.getByRole('combobox', { name: 'Kind' })],
      ['#prompt', page.getByRole('textbox', { name: 'Prompt (optional)' })],
      ['#generate', page.getByRole('button', { name: 'Generate illustration' })],
      ['#delete-data', page.getByRole('button', { name: 'Delete my data' })],
    ] as const;
    for (const [id, control] of named)
      expect(await control.getAttribute('id', { timeout: 5_000 }), id).toBe(id.slice(1));
    await page.close();
  });

  it('offers only the image types the storage package accepts in both file pickers', async () => {
    const page = await browser.newPage();
    await openPage(page, stack.pageUrl);

    for (const target of ['subject', 'avatar']) {
      const accept = await page.$eval(`#${target}-file`, (input) => input.getAttribute('accept'));
      expect(accept?.split(',').map((type) => type.trim())).toEqual([
        ...DEFAULT_ALLOWED_CONTENT_TYPES,
      ]);
    }
    await page.close();
  });

  it('says a new user has no subject image, avatar or illustrations yet', async () => {
    const page = await browser.newPage();
    await signIn(page, stack.pageUrl, 'browser-jan');

    await expect.poll(() => textOf(page, '#subject-caption')).toBe('No subject image yet.');
    await expect.poll(() => textOf(page, '#avatar-caption')).toBe('No avatar yet.');
    await expect.poll(() => page.isVisible('#illustrations-empty')).toBe(true);
    expect(await textOf(page, '#illustrations-empty')).toContain('No memory illustrations yet');

    await page.selectOption('#kind', 'subject');
    await expect
      .poll(() => textOf(page, '#illustrations-empty'))
      .toContain('No subject illustrations yet');
    await page.close();
  });

  it('keeps the pages loaded with Load more when Generate adds an illustration', async () => {
    const user = 'browser-kim';
    await seedSubjectImage(bucket, user);
    // One more than the page's first page of 12, so there is a second page.
    for (let i = 0; i < 13; i++) {
      await callApi(stack.apiUrl, user, 'POST', '/illustrations/memory', {});
    }
    const page = await browser.newPage();
    await signIn(page, stack.pageUrl, user);
    await expect.poll(() => listedCount(page)).toBe(12);
    await page.click('#more');
    await expect.poll(() => listedCount(page)).toBe(13);

    await page.click('#generate');

    await expect.poll(() => listedCount(page), SLOW).toBe(14);
    const newest = await textOf(page, '#status');
    const firstKey = await page.$eval('#illustrations li', (item) => item.getAttribute('data-key'));
    expect(newest).toContain(firstKey);
    expect(await page.isHidden('#more')).toBe(true);
    await page.close();
  });

  it('fits a 390 px wide viewport without scrolling sideways, signed in, with both images and an illustration', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await openPage(page, stack.pageUrl);
    expect(await overflow()).toBeLessThanOrEqual(0);

    await signIn(page, stack.pageUrl, 'browser-lea-with-a-rather-long-user-id');
    await page.setInputFiles('#subject-file', SUBJECT_PNG);
    await page.click('#upload-subject');
    await expect.poll(() => imageLoaded(page, '#subject-preview'), SLOW).toBe(true);
    await page.setInputFiles('#avatar-file', AVATAR_PNG);
    await page.click('#upload-avatar');
    await expect.poll(() => imageLoaded(page, '#avatar-preview'), SLOW).toBe(true);
    await page.click('#generate');
    await expect.poll(() => listedCount(page), SLOW).toBe(1);

    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.close();
  });

  it('sends the prompt with Generate, trimmed, and no prompt when the field is blank', async () => {
    const user = 'browser-max';
    await seedSubjectImage(bucket, user);
    const page = await browser.newPage();
    const bodies: unknown[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/api/illustrations/memory')) {
        bodies.push(request.postDataJSON());
      }
    });
    await signIn(page, stack.pageUrl, user);
    expect(await page.$eval('#prompt', (field) => (field as HTMLTextAreaElement).maxLength)).toBe(
      MAX_PROMPT_LENGTH,
    );

    await page.fill('#prompt', '  a day at the beach  ');
    await page.click('#generate');
    await expect.poll(() => listedCount(page), SLOW).toBe(1);
    await page.fill('#prompt', '   ');
    await page.click('#generate');
    await expect.poll(() => listedCount(page), SLOW).toBe(2);

    expect(bodies).toEqual([{ prompt: 'a day at the beach' }, {}]);
    await page.close();
  });

  it('keeps the data when the deletion is not confirmed', async () => {
    const user = 'browser-ned';
    const subjectKey = await seedSubjectImage(bucket, user);
    const page = await browser.newPage();
    await signIn(page, stack.pageUrl, user);
    await expect.poll(() => imageLoaded(page, '#subject-preview')).toBe(true);
    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.dismiss();
    });

    await page.click('#delete-data');

    await expect.poll(() => textOf(page, '#status')).toBe('Nothing was deleted.');
    expect(question).toContain(user);
    expect(await bucket.objectExists(subjectKey)).toBe(true);
    expect(await imageLoaded(page, '#subject-preview')).toBe(true);
    await page.close();
  });
});
