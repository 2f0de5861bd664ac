import { Duration } from 'aws-cdk-lib';
import {
  AccountPrincipal,
  AccountRootPrincipal,
  ArnPrincipal,
  type IPrincipal,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { StorageBucket } from './storage-bucket.ts';
import type { IllustrationGenPrincipal } from './types/config.ts';

/** Props of {@link IllustrationGenRole}. */
export interface IllustrationGenRoleProps {
  /** The bucket the service reads subject images from and writes illustrations to. */
  readonly storage: StorageBucket;
  /** Who may assume the role. @default { kind: 'this-account' } */
  readonly principal?: IllustrationGenPrincipal;
  /** The `sts:ExternalId` the caller must present. @default - none */
  readonly externalId?: string;
  /** Longest session the role grants. @default Duration.hours(1) */
  readonly maxSessionDuration?: Duration;
}

/** The IAM principal a trust setting names. */
export function illustrationGenPrincipal(principal: IllustrationGenPrincipal): IPrincipal {
  switch (principal.kind) {
    case 'this-account':
      return new AccountRootPrincipal();
    case 'account':
      return new AccountPrincipal(principal.accountId);
    case 'role':
      return new ArnPrincipal(principal.roleArn);
    case 'service':
      return new ServicePrincipal(principal.service);
  }
}

/**
 * The role of the external illustration-gen (SDXL) service: it reads subject images, writes
 * generated illustrations and reads stubs, and nothing else (no listing, no deletes).
 */
export class IllustrationGenRole extends Construct {
  public readonly role: Role;

  public constructor(scope: Construct, id: string, props: IllustrationGenRoleProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: illustrationGenPrincipal(props.principal ?? { kind: 'this-account' }),
      externalIds: props.externalId === undefined ? undefined : [props.externalId],
      maxSessionDuration: props.maxSessionDuration ?? Duration.hours(1),
      description:
        'The illustration-gen service: reads subject images and stubs, writes generated illustrations.',
    });
    props.storage.grantArea(this.role, 'subjects', ['s3:GetObject']);
    props.storage.grantArea(this.role, 'stubs', ['s3:GetObject']);
    props.storage.grantArea(this.role, 'generated', ['s3:PutObject']);
  }
}
