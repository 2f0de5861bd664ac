import {
  assertKeySegment,
  ConfigurationError,
  type Environment,
  readHttpUrl,
  readOptional,
} from '@autobio/s3-storage';
import { redactUrl } from '@autobio/s3-storage/redact';
import {
  DEFAULT_ILLUSTRATION_GEN_TIMEOUT_MS,
  MAX_ILLUSTRATION_GEN_TIMEOUT_MS,
} from './constants.ts';
import type { IllustrationGenConfig, IllustrationGenMode } from './types/illustration-gen.ts';

const MODES: readonly IllustrationGenMode[] = ['stub', 'service'];

function readUrl(env: Environment, name: string): string | undefined {
  let url: URL | undefined;
  try {
    url = readHttpUrl(env, name, 'https://illustration-gen.internal/generate');
  } catch (error) {
    // Its message repeats the value, password and all, and the route handler logs it (with
    // its stack and causes): rebuilt from the redacted message, with no cause.
    if (!(error instanceof ConfigurationError)) throw error;
    throw new ConfigurationError(name, redactUrl(error.message.slice(`${name}: `.length)));
  }
  if (url?.username || url?.password) {
    // fetch refuses such URLs, and the URL appears in logs.
    throw new ConfigurationError(
      name,
      'must not contain a user name or password. Authorize the service by network or IAM instead.',
    );
  }
  return url?.href;
}

function readTimeout(env: Environment): number {
  const name = 'ILLUSTRATION_GEN_TIMEOUT_MS';
  const raw = readOptional(env, name);
  if (raw === undefined) return DEFAULT_ILLUSTRATION_GEN_TIMEOUT_MS;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_ILLUSTRATION_GEN_TIMEOUT_MS) {
    throw new ConfigurationError(
      name,
      `must be a whole number of milliseconds from 1 to ${MAX_ILLUSTRATION_GEN_TIMEOUT_MS} ` +
        `(API Gateway answers within 30 s), got "${raw}".`,
    );
  }
  return value;
}

function readStubName(env: Environment): string | undefined {
  const name = readOptional(env, 'STUB_IMAGE_NAME');
  if (name === undefined) return undefined;
  try {
    assertKeySegment(name, 'stub name');
  } catch (error) {
    throw new ConfigurationError(
      'STUB_IMAGE_NAME',
      `${(error as Error).message} Use a file name under the stubs prefix, such as placeholder.png.`,
      { cause: error },
    );
  }
  return name;
}

/**
 * Reads how `POST /illustrations/{kind}` makes an illustration: the service (its URL and
 * timeout) or stub mode, the default when no URL is set.
 * @throws ConfigurationError naming the bad variable and the fix.
 */
export function loadIllustrationGenConfig(env: Environment = process.env): IllustrationGenConfig {
  const url = readUrl(env, 'ILLUSTRATION_GEN_URL');
  const rawMode = readOptional(env, 'ILLUSTRATION_GEN_MODE')?.toLowerCase();
  if (rawMode !== undefined && !(MODES as readonly string[]).includes(rawMode)) {
    throw new ConfigurationError(
      'ILLUSTRATION_GEN_MODE',
      `must be "stub" or "service", got "${env.ILLUSTRATION_GEN_MODE}".`,
    );
  }
  const mode = (rawMode as IllustrationGenMode | undefined) ?? (url ? 'service' : 'stub');
  if (mode === 'service' && url === undefined) {
    throw new ConfigurationError(
      'ILLUSTRATION_GEN_URL',
      'is not set, but ILLUSTRATION_GEN_MODE is "service". Set it to the illustration-gen ' +
        "service's URL, or set ILLUSTRATION_GEN_MODE=stub.",
    );
  }
  return { mode, url, timeoutMs: readTimeout(env), stubImageName: readStubName(env) };
}
