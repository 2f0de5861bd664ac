/**
 * A configuration value (a context key or a setting in `infra/config/`) is missing or malformed.
 * The message names the key, the value received and how to fix it; synth stops with it.
 */
export class InfraConfigError extends Error {
  /**
   * The context key of a deploy-time value (`autobio:prod:jwtIssuer`), or the environment and
   * setting of its file in `infra/config/` (`prod.bucketName`).
   */
  public readonly key: string;
  /** The value received, as given. */
  public readonly value: unknown;

  public constructor(key: string, value: unknown, message: string, options?: { cause?: unknown }) {
    super(`${key}: ${message}`, options);
    this.name = new.target.name;
    this.key = key;
    this.value = value;
  }
}

/** A storage grant was asked for something the least-privilege rules forbid. */
export class StorageGrantError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A function was given settings the project's functions do not allow. */
export class FunctionSettingsError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
