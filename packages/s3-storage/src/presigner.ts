import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { formatUrl } from '@aws-sdk/core/util';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { extendedEncodeURIComponent, HttpRequest } from '@smithy/core/protocols';

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
  readonly url: URL;
  /** The region the endpoint rules sign for. */
  readonly signingRegion: string;
  readonly presigner: S3RequestPresigner;
}

const X_ID = { GET: 'GetObject', PUT: 'PutObject' } as const;

/**
 * Presigns S3 GET and PUT URLs with one `S3RequestPresigner`, reused, with the client's own
 * credentials and hash, on the bucket's endpoint resolved once by the client's endpoint rules. `getSignedUrl` does both for every URL (and
 * runs a command through a cloned middleware stack); the URLs are the same bytes (the tests
 * compare them at a fixed date).
 */
export class Presigner {
  private endpoint: Promise<ResolvedEndpoint> | undefined;

  public constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  public async presign(request: PresignRequest): Promise<string> {
    this.endpoint ??= this.resolveEndpoint();
    const { url, signingRegion, presigner } = await this.endpoint;
    const signed = await presigner.presign(
      new HttpRequest({
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: `${url.pathname.replace(/\/$/, '')}/${request.key.split('/').map(extendedEncodeURIComponent).join('/')}`,
        query: { ...request.query, 'x-id': X_ID[request.method] },
        headers: { ...request.headers },
      }),
      {
        expiresIn: request.expiresInSeconds,
        signableHeaders: new Set(Object.keys(request.headers ?? {})),
        signingRegion,
        ...(request.signingDate ? { signingDate: request.signingDate } : {}),
      },
    );
    return formatUrl(signed);
  }

  private async resolveEndpoint(): Promise<ResolvedEndpoint> {
    const config = this.client.config;
    const endpoint = await getEndpointFromInstructions(
      { Bucket: this.bucket, Key: 'k' },
      PutObjectCommand,
      config,
    );
    const authScheme = (
      endpoint.properties?.authSchemes as
        | { signingRegion?: string; signingName?: string }[]
        | undefined
    )?.[0];
    const signingRegion = authScheme?.signingRegion ?? (await config.region());
    return {
      url: endpoint.url,
      signingRegion,
      presigner: new S3RequestPresigner({
        credentials: config.credentials,
        region: signingRegion,
        service: authScheme?.signingName ?? 's3',
        sha256: config.sha256,
      }),
    };
  }
}
