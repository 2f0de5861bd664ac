import type { LocalCorsRule } from './types/index.ts';

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The `CORSConfiguration` XML s3rver reads for a bucket. */
export function corsXml(rules: readonly LocalCorsRule[]): string {
  const tag = (name: string, values: readonly string[] = []) =>
    values.map((v) => `<${name}>${escapeXml(v)}</${name}>`).join('');
  const body = rules
    .map(
      (rule) =>
        `<CORSRule>${tag('AllowedOrigin', rule.allowedOrigins)}${tag('AllowedMethod', rule.allowedMethods)}` +
        `${tag('AllowedHeader', rule.allowedHeaders)}${tag('ExposeHeader', rule.exposedHeaders)}` +
        `${rule.maxAgeSeconds === undefined ? '' : `<MaxAgeSeconds>${rule.maxAgeSeconds}</MaxAgeSeconds>`}</CORSRule>`,
    )
    .join('');
  return `<CORSConfiguration>${body}</CORSConfiguration>`;
}
