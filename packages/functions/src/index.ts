export * from './constants.ts';
export { loadIllustrationGenConfig } from './env.ts';
export * from './errors.ts';
export { getRoute, ROUTES } from './routes.ts';
export {
  type GenerateRequest,
  generateRequestSchema,
  kindPathSchema,
  type ListQuery,
  listQuerySchema,
  type UploadRequest,
  uploadRequestSchema,
} from './schemas.ts';
export type * from './types/api.ts';
export type * from './types/illustration-gen.ts';
export type * from './types/routes.ts';
