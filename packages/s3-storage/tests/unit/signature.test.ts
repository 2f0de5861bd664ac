import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import aws4 from 'aws4';
import { describe, expect, it } from 'vitest';
import { createS3Storage } from '../../src/storage.ts';
import { offlineConfig, SIGNING_DATE, TEST_CREDENTIALS } from '../helpers/storage.ts';

const setups = [
  {
    name: 'S3 Transfer Acceleration',
    config: offlineConfig({ region: 'eu-west-1', useAccelerateEndpoint: true }),
  },
  { name: 'AWS S3 (virtual-hosted)', config: offlineConfig({ region: 'eu-west-1' }) },
  { name: 'AWS S3 in us-east-1', config: offlineConfig() },
  {
    name: 'a local endpoint (path-style)',
    config: offlineConfig({ endpoint: 'http://127.0.0.1:4569', forcePathStyle: true }),
  },
];

/** Recomputes the URL's signature with the independent `aws4` signer. */
function signatureByAws4(
  url: string,
  method: string,
  headers: Record<string, string>,
  region: string,
): string {
  const parsed = new URL(url);
  const query = new URLSearchParams(parsed.search);
  query.delete('X-Amz-Signature');
  const signed = aws4.sign(
    {
      host: parsed.host,
      path: `${parsed.pathname}?${query.toString().replace(/\+/g, '%20')}`,
      method,
      headers,
      service: 's3',
      region,
      signQuery: true,
      doNotEncodePath: true,
    },
    TEST_CREDENTIALS,
  );
  return new URL(`http://${parsed.host}${signed.path}`).searchParams.get('X-Amz-Signature') ?? '';
}

describe.each(setups)('presigned URLs for $name', ({ config }) => {
  const storage = createS3Storage({ config });
  const client = storage.getClient();

  it("equal the SDK's getSignedUrl for a PUT with its content type and length signed", async () => {
    const upload = await storage.generatePresignedUploadUrl('user-1', 'image/png', {
      signingDate: SIGNING_DATE,
      contentLengthBytes: 2048,
    });
    const expected = await getSignedUrl(
      client,
      new PutObjectCommand({
        Bucket: 'auto-bio-illustrations',
        Key: 'subjects/user-1.png',
        ContentType: 'image/png',
        ContentLength: 2048,
      }),
      {
        signingDate: SIGNING_DATE,
        expiresIn: 900,
        signableHeaders: new Set(['content-type', 'content-length']),
      },
    );
    expect(upload.url).toBe(expected);
    expect(new URL(upload.url).searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-length;content-type;host',
    );
  });

  it("equal the SDK's getSignedUrl for a GET with a content disposition and awkward key characters", async () => {
    const key = "generated/memory/u (1)/0000000000001-x!'*.png";
    const url = await storage.generatePresignedDownloadUrl(key, {
      signingDate: SIGNING_DATE,
      expiresInSeconds: 60,
      responseContentDisposition: 'attachment; filename="my image.png"',
    });
    const expected = await getSignedUrl(
      client,
      new GetObjectCommand({
        Bucket: 'auto-bio-illustrations',
        Key: key,
        ResponseContentDisposition: 'attachment; filename="my image.png"',
      }),
      { signingDate: SIGNING_DATE, expiresIn: 60 },
    );
    expect(url).toBe(expected);
  });

  it('verify against the independent aws4 implementation', async () => {
    const region = config.region ?? 'us-east-1';
    const upload = await storage.generatePresignedUploadUrl('user-2', 'image/jpeg', {
      signingDate: SIGNING_DATE,
    });
    expect(signatureByAws4(upload.url, 'PUT', { 'Content-Type': 'image/jpeg' }, region)).toBe(
      new URL(upload.url).searchParams.get('X-Amz-Signature'),
    );
    const download = await storage.generatePresignedDownloadUrl('avatars/user-2.png', {
      signingDate: SIGNING_DATE,
    });
    expect(signatureByAws4(download, 'GET', {}, region)).toBe(
      new URL(download).searchParams.get('X-Amz-Signature'),
    );
  });

  it('carry no checksum parameters a browser could not satisfy', async () => {
    const upload = await storage.generatePresignedUploadUrl('user-1', 'image/png');
    const names = [...new URL(upload.url).searchParams.keys()].map((n) => n.toLowerCase());
    expect(names.filter((n) => n.includes('checksum'))).toEqual([]);
  });
});

describe('a tampered presigned URL', () => {
  it('no longer verifies against aws4 when the key or content type changes', async () => {
    const storage = createS3Storage({ config: offlineConfig() });
    const upload = await storage.generatePresignedUploadUrl('user-1', 'image/png', {
      signingDate: SIGNING_DATE,
    });
    const signature = new URL(upload.url).searchParams.get('X-Amz-Signature');
    const otherKey = upload.url.replace('subjects/user-1.png', 'subjects/user-2.png');
    expect(signatureByAws4(otherKey, 'PUT', { 'Content-Type': 'image/png' }, 'us-east-1')).not.toBe(
      signature,
    );
    expect(
      signatureByAws4(upload.url, 'PUT', { 'Content-Type': 'text/html' }, 'us-east-1'),
    ).not.toBe(signature);
  });
});

describe('the reused presigner', () => {
  it('follows a new day and rotated credentials, as getSignedUrl does', async () => {
    // Credentials near expiry, so the client asks the provider again on every call.
    const expiration = () => new Date(Date.now() + 60_000);
    let current = {
      accessKeyId: 'AKIDFIRST',
      secretAccessKey: 'first-secret',
      expiration: expiration(),
    };
    const client = new S3Client({
      region: 'us-east-1',
      credentials: async () => current,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const storage = createS3Storage({ config: offlineConfig(), client });
    const expected = (signingDate: Date) =>
      getSignedUrl(
        client,
        new GetObjectCommand({ Bucket: 'auto-bio-illustrations', Key: 'avatars/u.png' }),
        {
          signingDate,
          expiresIn: 900,
        },
      );
    const nextDay = new Date(SIGNING_DATE.getTime() + 24 * 3600 * 1000);

    const first = await storage.generatePresignedDownloadUrl('avatars/u.png', {
      signingDate: SIGNING_DATE,
    });
    expect(first).toBe(await expected(SIGNING_DATE));
    expect(
      await storage.generatePresignedDownloadUrl('avatars/u.png', { signingDate: nextDay }),
    ).toBe(await expected(nextDay));
    current = {
      accessKeyId: 'AKIDFIRST',
      secretAccessKey: 'rotated-secret',
      expiration: expiration(),
    };
    const rotated = await storage.generatePresignedDownloadUrl('avatars/u.png', {
      signingDate: SIGNING_DATE,
    });
    expect(rotated).toBe(await expected(SIGNING_DATE));
    expect(rotated).not.toBe(first);
  });
});

describe('S3 Transfer Acceleration', () => {
  it('signs URLs for the accelerated endpoint when it is on', async () => {
    const storage = createS3Storage({ config: offlineConfig({ useAccelerateEndpoint: true }) });
    const upload = await storage.generatePresignedUploadUrl('user-1', 'image/png');
    expect(new URL(upload.url).host).toBe('auto-bio-illustrations.s3-accelerate.amazonaws.com');
  });
});

describe("presigned URLs with temporary credentials (a Lambda role's)", () => {
  it("carry the session token exactly as getSignedUrl's do", async () => {
    const credentials = { ...TEST_CREDENTIALS, sessionToken: 'FwoGZXIvYXdzEXAMPLE//token+=' };
    const client = new S3Client({
      region: 'eu-west-1',
      credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const storage = createS3Storage({ config: offlineConfig({ region: 'eu-west-1' }), client });

    const url = await storage.generatePresignedDownloadUrl('subjects/u.png', {
      signingDate: SIGNING_DATE,
    });

    expect(new URL(url).searchParams.get('X-Amz-Security-Token')).toBe(credentials.sessionToken);
    expect(url).toBe(
      await getSignedUrl(
        client,
        new GetObjectCommand({ Bucket: 'auto-bio-illustrations', Key: 'subjects/u.png' }),
        { signingDate: SIGNING_DATE, expiresIn: 900 },
      ),
    );
  });
});
