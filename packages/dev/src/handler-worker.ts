// One generation of handlers in watch mode: a worker thread has a module graph of its own, so a
// new worker loads every changed file of the functions and storage packages afresh.
import { parentPort, workerData } from 'node:worker_threads';
import type { RouteDefinition } from '@autobio/functions';
import { type ApiEvent, invokeHandler } from './api-event.ts';
import type { WorkerData, WorkerReply, WorkerRequest } from './watch.ts';

const port = parentPort!;
const { routesModule, openApiModule } = workerData as WorkerData;
const { ROUTES } = (await import(routesModule)) as { ROUTES: readonly RouteDefinition[] };
// Every handler now: a broken edit shows when it is saved, not at the next request.
for (const route of ROUTES) await import(route.entry);
const openApi = openApiModule
  ? (
      (await import(openApiModule)) as { createOpenApiDocument: () => unknown }
    ).createOpenApiDocument()
  : undefined;

port.postMessage({
  type: 'ready',
  routes: ROUTES.map((route) => ({ ...route })),
  openApi,
} satisfies WorkerReply);

port.on('message', async (request: WorkerRequest) => {
  try {
    const route = ROUTES.find((candidate) => candidate.name === request.routeName);
    if (!route) throw new Error(`No route ${request.routeName} in this generation of handlers.`);
    const result = await invokeHandler(route, request.event as ApiEvent);
    port.postMessage({ type: 'result', id: request.id, result } satisfies WorkerReply);
  } catch (error) {
    port.postMessage({
      type: 'failed',
      id: request.id,
      message: (error as Error).message ?? String(error),
      stack: (error as Error).stack,
    } satisfies WorkerReply);
  }
});
