const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Characters per chunk: a multiple of 4, so each chunk is whole base64 groups. */
const CHUNK_CHARACTERS = 3 * 64 * 1024;

/** A JSON request body, streamed, with the byte length fetch needs to send it unchunked. */
export interface StreamedJson {
  readonly body: ReadableStream<Uint8Array> | string;
  readonly contentLengthBytes: number;
}

/**
 * The JSON of `value`, whose `field` holds a large base64 string, without building it whole:
 * `JSON.stringify` would copy the base64 into a second string and fetch would copy that again
 * into UTF-8 bytes, two more copies of the largest thing the function holds. Base64 needs no
 * JSON escaping, so its slices are written between the JSON of the other fields as they are.
 * Anything else is stringified as usual.
 */
export function jsonWithBase64Field<T extends object>(
  value: T,
  field: keyof T & string,
): StreamedJson {
  const base64 = value[field];
  if (typeof base64 !== 'string' || !BASE64.test(base64)) {
    const text = JSON.stringify(value);
    return { body: text, contentLengthBytes: Buffer.byteLength(text) };
  }
  const { [field]: _omitted, ...rest } = value;
  const restJson = JSON.stringify(rest);
  const head = `{${JSON.stringify(field)}:"`;
  const tail = restJson === '{}' ? '"}' : `",${restJson.slice(1)}`;
  const encoder = new TextEncoder();
  let offset = -1;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset < 0) {
        controller.enqueue(encoder.encode(head));
        offset = 0;
      } else if (offset < base64.length) {
        controller.enqueue(encoder.encode(base64.slice(offset, offset + CHUNK_CHARACTERS)));
        offset += CHUNK_CHARACTERS;
      } else {
        controller.enqueue(encoder.encode(tail));
        controller.close();
      }
    },
  });
  return {
    body,
    contentLengthBytes: Buffer.byteLength(head) + base64.length + Buffer.byteLength(tail),
  };
}
