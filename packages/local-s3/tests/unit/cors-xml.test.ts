import { describe, expect, it } from 'vitest';
import { corsXml } from '../../src/index.ts';

describe('corsXml', () => {
  it('escapes values and writes every rule element', () => {
    const xml = corsXml([
      {
        allowedOrigins: ['https://a.example'],
        allowedMethods: ['GET'],
        allowedHeaders: ['x-<y>'],
        maxAgeSeconds: 10,
      },
    ]);
    expect(xml).toBe(
      '<CORSConfiguration><CORSRule><AllowedOrigin>https://a.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod>' +
        '<AllowedHeader>x-&#60;y&#62;</AllowedHeader><MaxAgeSeconds>10</MaxAgeSeconds></CORSRule></CORSConfiguration>',
    );
  });
});
