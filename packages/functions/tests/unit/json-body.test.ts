import { describe, expect, it } from 'vitest';
import { jsonWithBase64Field } from '../../src/internal/json-body.ts';

async function text(body: ReadableStream<Uint8Array> | string): Promise<string> {
  return typeof body === 'string' ? body : new Response(body).text();
}

describe('jsonWithBase64Field', () => {
  const cases = [
    {
      name: 'a large image and other fields',
      value: {
        prompt: 'a "quoted" ünïcode',
        subjectImageBase64: Buffer.alloc(700_001, 7).toString('base64'),
        n: 1,
      },
    },
    { name: 'the field alone', value: { subjectImageBase64: 'AAAA' } },
    { name: 'an empty image', value: { subjectImageBase64: '', contentType: 'image/png' } },
  ];

  it.each(cases)(
    'streams JSON that parses to the value, of the declared length: $name',
    async ({ value }) => {
      const json = jsonWithBase64Field(value, 'subjectImageBase64');
      expect(typeof json.body).not.toBe('string');
      const sent = await text(json.body);
      expect(JSON.parse(sent)).toEqual(value);
      expect(Buffer.byteLength(sent)).toBe(json.contentLengthBytes);
    },
  );

  it('stringifies as usual when the field is not base64, so nothing needs escaping by hand', async () => {
    const value = { subjectImageBase64: 'not "base64"\n', other: 1 };
    const json = jsonWithBase64Field(value, 'subjectImageBase64');
    expect(json.body).toBe(JSON.stringify(value));
    expect(JSON.parse(await text(json.body))).toEqual(value);
    expect(json.contentLengthBytes).toBe(Buffer.byteLength(JSON.stringify(value)));
  });
});
