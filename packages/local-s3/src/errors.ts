/** Raised when the embedded server cannot start: port in use, unusable folder, timeout. */
export class LocalS3StartError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalS3StartError';
  }
}
