/** The command line's connection options, as the AWS CLI has them, plus `--local`. */
export interface ConnectionOptions {
  /** Use the embedded S3 of the `pnpm dev` that runs. @default false */
  readonly local?: boolean;
  /** An S3-compatible endpoint; wins over S3_ENDPOINT. @default - S3_ENDPOINT, else AWS S3 */
  readonly endpointUrl?: string;
  /** The bucket's region; wins over S3_CLIENT_REGION. @default - S3_CLIENT_REGION, else us-east-1 */
  readonly region?: string;
  /**
   * A profile of the shared AWS config whose credentials to use; wins over BACKEND_AWS_KEY and
   * AWS_PROFILE. @default - BACKEND_AWS_KEY/BACKEND_AWS_SECRET, else the default provider chain
   */
  readonly profile?: string;
}

/** Where the settings come from: what the fixes of `doctor` and the errors point at. */
export interface ConnectionContext {
  /** The `pnpm dev` of `--local`: its server (`s3rver` or `versitygw`) and data folder. */
  readonly local?: { readonly engine: string; readonly dataDir: string };
  /** The profile the credentials come from, with `--profile`. */
  readonly profile?: string;
  /** What set the endpoint, when one is set: `--local`, `--endpoint-url` or `S3_ENDPOINT`. */
  readonly endpointFrom?: '--local' | '--endpoint-url' | 'S3_ENDPOINT';
}
