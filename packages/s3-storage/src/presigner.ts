import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { formatUrl } from '@aws-sdk/core/util';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';

/** What one presigned request signs. */
export interface PresignRequest {
  readonly method: 'GET' | 'PUT';
  readonly key: string;
  /** Headers the caller must send and that are signed (lowercase names). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Extra query parameters, such as `response-content-disposition`. */
  readonly query?: Readonly<Record<string, string>>;
  readonly expiresInSeconds: number;
  /** The signing time. @default - now */
  readonly signingDate?: Date;
}

interface ResolvedEndpoint {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: number | undefined;
  readonly basePath: string;
  readonly signer: SignatureV4;
}

const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** `encodeURIComponent` plus the characters RFC 3986 reserves, as the SDK encodes key segments. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Presigns S3 GET and PUT URLs with the SDK's own SigV4 signer, reused across calls, and the
 * endpoint resolved once through the SDK's own endpoint rules. The URLs are byte-identical to
 * `getSignedUrl`'s for the same request and signing date, at about ten times its speed: the
 * SDK builds a command, clones a middleware stack and a new signer for every URL.
 */
export class FastPresigner {
  private endpoint: Promise<ResolvedEndpoint> | undefined;

  public constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  public async presign(request: PresignRequest): Promise<string> {
    this.endpoint ??= this.resolveEndpoint();
    const endpoint = await this.endpoint;
    const headers: Record<string, string> = {
      ...request.headers,
      host:
        endpoint.port === undefined ? endpoint.hostname : `${endpoint.hostname}:${endpoint.port}`,
      'X-Amz-Content-Sha256': UNSIGNED_PAYLOAD,
    };
    const httpRequest = new HttpRequest({
      method: request.method,
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port === undefined ? {} : { port: endpoint.port }),
      path: `${endpoint.basePath}/${request.key.split('/').map(encodeSegment).join('/')}`,
      query: { ...request.query, 'x-id': request.method === 'PUT' ? 'PutObject' : 'GetObject' },
      headers,
    });
    const signed = await endpoint.signer.presign(httpRequest, {
      expiresIn: request.expiresInSeconds,
      signableHeaders: new Set(Object.keys(request.headers ?? {})),
      ...(request.signingDate ? { signingDate: request.signingDate } : {}),
    });
    return formatUrl(signed);
  }

  private async resolveEndpoint(): Promise<ResolvedEndpoint> {
    const config = this.client.config;
    const resolved = await getEndpointFromInstructions(
      { Bucket: this.bucket, Key: 'k' },
      PutObjectCommand,
      config as unknown as Parameters<typeof getEndpointFromInstructions>[2],
    );
    const url = resolved.url;
    const authScheme = (
      resolved.properties?.authSchemes as
        | { signingRegion?: string; signingName?: string }[]
        | undefined
    )?.[0];
    const region = authScheme?.signingRegion ?? (await config.region());
    const signer = new SignatureV4({
      credentials: config.credentials,
      region,
      service: authScheme?.signingName ?? 's3',
      sha256: config.sha256,
      uriEscapePath: false,
      applyChecksum: false,
    });
    return {
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      basePath: url.pathname.replace(/\/$/, ''),
      signer,
    };
  }
}
