import { readFileSync } from 'node:fs';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  addEnvironmentStacks,
  CONTEXT_NAMESPACE,
  CONTEXT_SETTINGS,
  ENVIRONMENT_DEFAULTS,
  ENVIRONMENT_NAMES,
  type EnvironmentName,
  type EnvironmentSettings,
  type EnvironmentStacks,
  loadEnvironmentConfig,
} from '../../lib/index.ts';

/** The context of the repo's cdk.json (feature flags), so tests synthesize as `cdk synth` does. */
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = JSON.parse(
  readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8'),
).context;

/**
 * Skips asset bundling in every stack: NodejsFunction then neither runs esbuild nor hashes its
 * output (its asset hash comes from the construct path and the bundling options instead). The
 * one test that bundles for real overrides it.
 */
export const SKIP_BUNDLING: Readonly<Record<string, unknown>> = { 'aws:cdk:bundling-stacks': [] };

/** A CDK app with cdk.json's context, no bundling, plus `context`. */
export function newApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING, ...context } });
}

/** Test values split by where the app reads them, see {@link splitValues}. */
export interface SplitValues {
  /** The deploy-time values, as context keys. */
  readonly context: Record<string, unknown>;
  /** Each environment given other values: its file in infra/config/ with them applied. */
  readonly settings: { [name in EnvironmentName]?: EnvironmentSettings };
}

/**
 * Splits values keyed `autobio:<env>:<setting>` into context (the deploy-time settings, and any
 * key that is not a setting, for the app to reject) and settings over the environment's file,
 * so that a test names a setting the same way whether context or code holds it.
 */
export function splitValues(values: Record<string, unknown>): SplitValues {
  const context: Record<string, unknown> = {};
  const settings: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(values)) {
    const [namespace, name = '', setting = '', ...rest] = key.split(':');
    const isCode =
      namespace === CONTEXT_NAMESPACE &&
      (ENVIRONMENT_NAMES as readonly string[]).includes(name) &&
      !(CONTEXT_SETTINGS as readonly string[]).includes(setting) &&
      rest.length === 0;
    if (!isCode) context[key] = value;
    else
      settings[name] = {
        ...(settings[name] ?? ENVIRONMENT_DEFAULTS[name as EnvironmentName]),
        [setting]: value,
      };
  }
  return { context, settings: settings as SplitValues['settings'] };
}

/**
 * One environment's stacks in a fresh app, from `values` (keys as in cdk.json, see
 * {@link splitValues}) and no `CDK_DEFAULT_*` variables unless given.
 */
export function environmentStacks(
  name: EnvironmentName,
  values: Record<string, unknown> = {},
  processEnv: Record<string, string | undefined> = {},
): EnvironmentStacks & { app: App } {
  const { context, settings } = splitValues(values);
  const app = newApp(context);
  const config = loadEnvironmentConfig(name, {
    context: app.node.getAllContext(),
    processEnv,
    settings: settings[name],
  });
  return { app, ...addEnvironmentStacks(app, config) };
}

/** The template of one environment's storage stack. */
export function storageTemplate(
  name: EnvironmentName,
  values: Record<string, unknown> = {},
  processEnv: Record<string, string | undefined> = {},
): Template {
  return Template.fromStack(environmentStacks(name, values, processEnv).storage);
}

/** Resources of a type in a template, by logical id. */
export function resourcesOfType(
  template: Template,
  type: string,
): Record<string, { Properties?: Record<string, unknown>; [key: string]: unknown }> {
  return template.findResources(type);
}

/** The only resource of a type, or a failure naming how many there were. */
export function onlyResource(
  template: Template,
  type: string,
): { logicalId: string; Properties: Record<string, unknown>; [key: string]: unknown } {
  const found = Object.entries(template.findResources(type));
  if (found.length !== 1) {
    throw new Error(
      `Expected exactly one ${type}, found ${found.length}: ${found.map(([id]) => id).join(', ')}`,
    );
  }
  const [logicalId, resource] = found[0]!;
  return { logicalId, Properties: {}, ...resource };
}

/** `{ "Fn::GetAtt": [logicalId, "Arn"] }` joined with a suffix, as CDK renders object ARNs. */
export function arnWithSuffix(logicalId: string, suffix: string): unknown {
  return { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId, 'Arn'] }, suffix]] };
}

/** The logical id of a construct's default resource in its stack. */
export function logicalIdOf(
  stack: Stack,
  resource: { node: { defaultChild?: unknown } } | unknown,
): string {
  const element = (resource as { node: { defaultChild?: unknown } }).node.defaultChild ?? resource;
  return stack.resolve((element as { logicalId: string }).logicalId);
}
