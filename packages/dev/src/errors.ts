/** `pnpm dev` cannot start: the message says why and what to do. */
export class DevStartError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DevStartError';
  }
}

/** Another `pnpm dev` runs on the data folder; the message names its pid and the fix. */
export class DataFolderInUseError extends DevStartError {
  public readonly dataDir: string;
  public readonly pid: number;

  public constructor(dataDir: string, pid: number, message: string) {
    super(message);
    this.name = 'DataFolderInUseError';
    this.dataDir = dataDir;
    this.pid = pid;
  }
}

/** The connection file of a data folder cannot be read; the message names the file and the fix. */
export class LocalConnectionError extends Error {
  public readonly file: string;

  public constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalConnectionError';
    this.file = file;
  }
}
