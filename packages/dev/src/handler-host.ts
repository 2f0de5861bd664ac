import { ROUTES, type RouteDefinition } from '@autobio/functions';
import { createOpenApiDocument } from '@autobio/functions/openapi';
import { type ApiEvent, type ApiResult, invokeHandler } from './api-event.ts';

/** The OpenAPI document of the routes, as the functions package generates it. */
export type OpenApiDocument = ReturnType<typeof createOpenApiDocument>;

/** Where the dev server's routes and their handlers come from. */
export interface HandlerHost {
  /** The route table the handlers were loaded with. */
  routes(): readonly RouteDefinition[];
  /** The OpenAPI document of those routes, without `servers`. */
  openApiDocument(): OpenApiDocument;
  /** Runs the route's handler on one event, as Lambda would. */
  invoke(route: RouteDefinition, event: ApiEvent): Promise<ApiResult>;
  close(): Promise<void>;
}

/** The handlers in this process, loaded once: what `pnpm dev` runs without `--watch`. */
export function inProcessHandlers(): HandlerHost {
  let document: OpenApiDocument | undefined;
  return {
    routes: () => ROUTES,
    openApiDocument: () => {
      document ??= createOpenApiDocument();
      return document;
    },
    invoke: invokeHandler,
    close: async () => {},
  };
}
