import type { BuildOptions } from 'esbuild';

/**
 * The Node.js major version the functions run on: that of the newest Lambda runtime aws-cdk-lib
 * knows (`Runtime.NODEJS_24_X`; a test fails when aws-cdk-lib learns a newer one).
 */
export const FUNCTION_NODE_MAJOR_VERSION = 24;

/**
 * First lines of every ESM bundle. esbuild turns a `require()` left in CommonJS dependencies
 * (the AWS SDK's `require("node:https")`, ...) into a call that throws "Dynamic require of ... is
 * not supported" in ESM unless a `require` exists in module scope.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __autobioCreateRequire } from 'node:module'; " +
  'const require = __autobioCreateRequire(import.meta.url);';

/**
 * How every function is bundled, in one place: the `StorageFunction` construct (through
 * NodejsFunction) and `pnpm bench` (through esbuild's API) both build from these.
 */
export const FUNCTION_BUNDLE_SETTINGS = {
  platform: 'node',
  target: `node${FUNCTION_NODE_MAJOR_VERSION}`,
  /** ESM loads faster than CommonJS and lets esbuild drop more unused code. */
  format: 'esm',
  /** Prefer packages' ES module builds (the AWS SDK ships one) to their CommonJS ones. */
  mainFields: ['module', 'main'],
  minify: true,
  /** Error classes keep their names (`ObjectNotFoundError`), which the logs report. */
  keepNames: true,
  /** A separate `.map` file, read only when `--enable-source-maps` prints a stack. */
  sourcemap: true,
  /** Sources stay out of the map: line numbers are enough and the asset stays small. */
  sourcesContent: false,
  banner: ESM_REQUIRE_BANNER,
  /** Nothing external: the AWS SDK is bundled, so the code runs with the SDK it was tested with. */
  external: [] as readonly string[],
  /** The file name Lambda loads (`index.handler` → `index.mjs`). */
  outputFileName: 'index.mjs',
} as const;

/** `NODE_OPTIONS` of every function: stacks in logs point at the TypeScript sources' lines. */
export const FUNCTION_NODE_OPTIONS = '--enable-source-maps';

/**
 * The esbuild build options equivalent to the construct's bundling, for bundling outside CDK
 * (the bench): `entry` to `<outdir>/index.mjs` and its map.
 */
export function functionEsbuildOptions(entry: string, outdir: string): BuildOptions {
  const s = FUNCTION_BUNDLE_SETTINGS;
  return {
    entryPoints: [entry],
    outfile: `${outdir}/${s.outputFileName}`,
    bundle: true,
    platform: s.platform,
    target: s.target,
    format: s.format,
    mainFields: [...s.mainFields],
    minify: s.minify,
    keepNames: s.keepNames,
    sourcemap: s.sourcemap,
    sourcesContent: s.sourcesContent,
    banner: { js: s.banner },
    external: [...s.external],
    logLevel: 'warning',
  };
}
