import { vi } from 'vitest';

/** The JSON log lines written while capturing. */
export interface CapturedLogs {
  /** Every line, parsed. */
  readonly entries: Record<string, unknown>[];
  /** Everything written, as text. */
  text(): string;
  restore(): void;
}

/**
 * Captures what the Powertools logger writes (it writes to process.stdout and process.stderr
 * through its own Console), and keeps it off the test output.
 */
export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const record = (chunk: unknown): boolean => {
    chunks.push(
      typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'),
    );
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(record);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(record);
  return {
    get entries() {
      return chunks
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    text: () => chunks.join(''),
    restore() {
      out.mockRestore();
      err.mockRestore();
    },
  };
}
