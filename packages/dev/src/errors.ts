/** `pnpm dev` cannot start: the message says why and what to do. */
export class DevStartError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DevStartError';
  }
}
