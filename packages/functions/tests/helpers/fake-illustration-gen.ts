import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { S3Storage } from '@autobio/s3-storage';
import type { IllustrationGenRequest } from '../../src/types/illustration-gen.ts';
import { fakePng } from './images.ts';

/** How the fake service answers. */
export type FakeBehaviour =
  /** Writes a PNG at `outputKey` and answers its URI, as the real service should. */
  | { readonly kind: 'good' }
  /** Answers a URI in another bucket (the spec's "different bucket" case). */
  | { readonly kind: 'foreign-bucket'; readonly bucket: string; readonly writes?: boolean }
  /** Answers a URI of this bucket outside the caller's prefix, e.g. another user's key. */
  | { readonly kind: 'other-key'; readonly key: (request: IllustrationGenRequest) => string }
  /** Answers a good URI without writing anything there. */
  | { readonly kind: 'nothing-written' }
  /** Answers this status and body. */
  | {
      readonly kind: 'status';
      readonly statusCode: number;
      readonly body: string;
      readonly writes?: boolean;
    }
  /** Never answers. */
  | { readonly kind: 'hang'; readonly writes?: boolean };
/* `writes`: first writes a PNG at `outputKey`, as a service failing after its upload would. */

/** A local HTTP server standing in for the illustration-gen service. */
export interface FakeIllustrationGen {
  readonly url: string;
  /** Every request it received, parsed. */
  readonly requests: {
    readonly body: IllustrationGenRequest;
    readonly headers: IncomingMessage['headers'];
  }[];
  /** The PNG bytes it wrote last (for `good`). */
  lastImage(): Buffer | undefined;
  behave(behaviour: FakeBehaviour): void;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the fake service; it writes with its own storage client, as the real one would. */
export async function startFakeIllustrationGen(storage: S3Storage): Promise<FakeIllustrationGen> {
  let behaviour: FakeBehaviour = { kind: 'good' };
  let lastImage: Buffer | undefined;
  const requests: FakeIllustrationGen['requests'] = [];
  const server: Server = createServer(async (request, response) => {
    const body = JSON.parse(await readBody(request)) as IllustrationGenRequest;
    requests.push({ body, headers: request.headers });
    const answer = (statusCode: number, payload: unknown) => {
      response.writeHead(statusCode, { 'content-type': 'application/json' });
      response.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };
    if ('writes' in behaviour && behaviour.writes) {
      await storage.putObject(body.outputKey, fakePng(128), { contentType: 'image/png' });
    }
    switch (behaviour.kind) {
      case 'good': {
        lastImage = fakePng(512);
        await storage.putObject(body.outputKey, lastImage, { contentType: 'image/png' });
        return answer(201, { s3Uri: `s3://${body.bucket}/${body.outputKey}` });
      }
      case 'foreign-bucket':
        return answer(200, { s3Uri: `s3://${behaviour.bucket}/${body.outputKey}` });
      case 'other-key':
        return answer(200, { s3Uri: `s3://${body.bucket}/${behaviour.key(body)}` });
      case 'nothing-written':
        return answer(200, { s3Uri: `s3://${body.bucket}/${body.outputKey}` });
      case 'status':
        return answer(behaviour.statusCode, behaviour.body);
      case 'hang':
        return; // keeps the connection open and silent
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/generate`,
    requests,
    lastImage: () => lastImage,
    behave(next) {
      behaviour = next;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
