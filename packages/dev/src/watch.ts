import { type FSWatcher, watch } from 'node:fs';
import { relative, resolve } from 'node:path';
import { SHARE_ENV, Worker } from 'node:worker_threads';
import type { RouteDefinition } from '@autobio/functions';
import type { ApiEvent, ApiResult } from './api-event.ts';
import { REPO_ROOT } from './config.ts';
import { WATCHED_SOURCE_DIRS } from './constants.ts';
import { DevStartError } from './errors.ts';
import type { HandlerHost, OpenApiDocument } from './handler-host.ts';

/** What a watch-mode worker is started with. */
export interface WorkerData {
  /** Module that exports `ROUTES`. */
  readonly routesModule: string;
  /** Module that exports `createOpenApiDocument`, or none. */
  readonly openApiModule: string | undefined;
}

/** One invocation sent to a worker. */
export interface WorkerRequest {
  readonly id: number;
  readonly routeName: string;
  readonly event: unknown;
}

/** What a worker posts back. */
export type WorkerReply =
  | {
      readonly type: 'ready';
      readonly routes: readonly RouteDefinition[];
      readonly openApi: unknown;
    }
  | { readonly type: 'result'; readonly id: number; readonly result: ApiResult }
  | {
      readonly type: 'failed';
      readonly id: number;
      readonly message: string;
      readonly stack: string | undefined;
    };

/** Options for {@link startWatchedHandlers}. */
export interface WatchedHandlersOptions {
  /** Folders whose changes reload the handlers. @default - packages/functions/src and packages/s3-storage/src */
  readonly watchDirs?: readonly string[];
  /** Module that exports the route table `ROUTES`. @default '@autobio/functions' */
  readonly routesModule?: string;
  /**
   * Module that exports `createOpenApiDocument`, or `null` for none.
   * @default '@autobio/functions/openapi'
   */
  readonly openApiModule?: string | null;
  /** Milliseconds to wait for more changes before reloading (an editor saves in bursts). @default 100 */
  readonly debounceMs?: number;
  /** Receives a line per reload. @default - nothing is logged */
  readonly log?: (line: string) => void;
}

/** Handlers that reload when their sources change. */
export interface WatchedHandlers extends HandlerHost {
  /** The folders watched. */
  readonly watchDirs: readonly string[];
  /** How many times the handlers were reloaded since start. */
  reloads(): number;
}

interface Generation {
  readonly worker: Worker;
  readonly routes: readonly RouteDefinition[];
  readonly openApi: OpenApiDocument | undefined;
  readonly pending: Map<
    number,
    { resolve: (result: ApiResult) => void; reject: (error: Error) => void }
  >;
  retired: boolean;
}

const WORKER_ENTRY = new URL('./handler-worker.mjs', import.meta.url);
/** Sources whose change reloads; editors' swap and backup files do not. */
const SOURCE_FILE = /\.(?:[cm]?[jt]s|json)$/;

/** Starts one worker and resolves once it has loaded every handler. */
function startGeneration(data: WorkerData): Promise<Generation> {
  // No execArgv: the entry registers tsx itself, and the parent's flags (--watch, --inspect)
  // are not the worker's.
  const worker = new Worker(WORKER_ENTRY, { env: SHARE_ENV, execArgv: [], workerData: data });
  return new Promise((resolvePromise, reject) => {
    const fail = (error: Error) => {
      void worker.terminate();
      reject(error);
    };
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`the handlers' worker exited with code ${code}`)));
    worker.once('message', (reply: WorkerReply) => {
      if (reply.type !== 'ready') return fail(new Error(`unexpected first message ${reply.type}`));
      worker.removeAllListeners('error');
      worker.removeAllListeners('exit');
      resolvePromise({
        worker,
        routes: reply.routes,
        openApi: reply.openApi as OpenApiDocument | undefined,
        pending: new Map(),
        retired: false,
      });
    });
  });
}

/**
 * The handlers in a worker thread that is replaced when a file under the watched folders changes:
 * the new worker imports the route table, every handler and the storage package afresh, while
 * the S3 server and the page's server keep running. Requests in flight finish on the worker they
 * started on. A change that does not load (a syntax error) is logged, and the handlers before
 * it keep serving.
 * @throws DevStartError when the first generation does not load.
 */
export async function startWatchedHandlers(
  options: WatchedHandlersOptions = {},
): Promise<WatchedHandlers> {
  const log = options.log ?? (() => {});
  const watchDirs = options.watchDirs ?? WATCHED_SOURCE_DIRS.map((dir) => resolve(REPO_ROOT, dir));
  const data: WorkerData = {
    routesModule: options.routesModule ?? '@autobio/functions',
    openApiModule:
      options.openApiModule === null
        ? undefined
        : (options.openApiModule ?? '@autobio/functions/openapi'),
  };
  let current: Generation;
  try {
    current = await startGeneration(data);
  } catch (error) {
    throw new DevStartError(
      `The handlers did not load in watch mode: ${(error as Error).message}. Fix the file, or start ` +
        'without --watch to see the stack.',
      { cause: error },
    );
  }
  let nextId = 0;
  let reloads = 0;
  let closed = false;

  const retire = (generation: Generation) => {
    generation.retired = true;
    if (generation.pending.size === 0) void generation.worker.terminate();
  };

  const adopt = (generation: Generation) => {
    generation.worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'ready') return;
      const waiting = generation.pending.get(reply.id);
      if (!waiting) return;
      generation.pending.delete(reply.id);
      if (reply.type === 'result') waiting.resolve(reply.result);
      else waiting.reject(Object.assign(new Error(reply.message), { stack: reply.stack }));
      if (generation.retired && generation.pending.size === 0) void generation.worker.terminate();
    });
    // A handler that kills its worker (process.exit, an uncaught error) fails its own requests;
    // the next change, or the next request, brings a new worker.
    generation.worker.on('error', (error) => log(`the handlers' worker failed: ${error.message}`));
    generation.worker.on('exit', () => {
      for (const waiting of generation.pending.values()) {
        waiting.reject(new Error("the handlers' worker stopped during the request"));
      }
      generation.pending.clear();
      if (generation === current && !closed) void reload('the worker stopped');
    });
  };
  adopt(current);

  let reloading: Promise<void> | undefined;
  let again: string | undefined;
  const reload = async (reason: string): Promise<void> => {
    if (reloading) {
      again = reason;
      return reloading;
    }
    reloading = (async () => {
      const started = Date.now();
      try {
        const next = await startGeneration(data);
        if (closed) {
          void next.worker.terminate();
          return;
        }
        adopt(next);
        const previous = current;
        current = next;
        retire(previous);
        reloads += 1;
        log(`reloaded the handlers (${reason}) in ${Date.now() - started} ms`);
      } catch (error) {
        log(
          `the handlers did not reload (${reason}): ${(error as Error).message}. The previous ones keep serving; save a fix to try again.`,
        );
      }
    })();
    await reloading;
    reloading = undefined;
    if (again !== undefined && !closed) {
      const reasonAgain = again;
      again = undefined;
      await reload(reasonAgain);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const changed: string[] = [];
  const watchers: FSWatcher[] = watchDirs.map((dir) =>
    watch(dir, { recursive: true }, (_event, filename) => {
      if (!filename || !SOURCE_FILE.test(filename)) return;
      changed.push(relative(REPO_ROOT, resolve(dir, filename)));
      clearTimeout(timer);
      timer = setTimeout(() => {
        const files = [...new Set(changed.splice(0))];
        void reload(`${files.slice(0, 3).join(', ')}${files.length > 3 ? ', ...' : ''} changed`);
      }, options.debounceMs ?? 100);
    }),
  );

  return {
    watchDirs,
    reloads: () => reloads,
    routes: () => current.routes,
    openApiDocument: () => {
      if (!current.openApi) throw new Error('This generation of handlers has no OpenAPI document.');
      return current.openApi;
    },
    invoke(route: RouteDefinition, event: ApiEvent): Promise<ApiResult> {
      const generation = current;
      const id = nextId++;
      return new Promise<ApiResult>((resolvePromise, reject) => {
        generation.pending.set(id, { resolve: resolvePromise, reject });
        generation.worker.postMessage({ id, routeName: route.name, event } satisfies WorkerRequest);
      });
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      await reloading;
      await current.worker.terminate();
    },
  };
}
