export * from './constants.ts';
export { corsXml } from './cors-xml.ts';
export { LocalS3StartError } from './errors.ts';
export { startLocalS3 } from './local-s3.ts';
export type * from './types/index.ts';
export { resolveVersityGw } from './versitygw.ts';
