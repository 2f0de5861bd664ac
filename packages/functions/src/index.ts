export * from './constants.ts';
export { loadDeletionSettings, loadIllustrationGenConfig } from './env.ts';
export * from './errors.ts';
export { getRoute, getTask, ROUTES, TASKS } from './routes.ts';
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
export type * from './types/deletion.ts';
export type * from './types/illustration-gen.ts';
export type * from './types/routes.ts';
