import type { OutputStream } from '../../src/types/context.ts';

/** An output stream that keeps what is written; a terminal when `isTTY`. */
export interface CapturedStream extends OutputStream {
  text(): string;
}

export function captureStream(isTTY = false): CapturedStream {
  const chunks: string[] = [];
  return {
    isTTY,
    columns: 200,
    write(text: string) {
      chunks.push(text);
      return true;
    },
    text: () => chunks.join(''),
  };
}
