import type { StorageArea } from '@autobio/s3-storage';
import { defaultKeyLayout } from '@autobio/s3-storage/key-layout';
import { Grant, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AREA_LIST_ACTIONS, AREA_OBJECT_ACTIONS } from './constants.ts';
import { StorageGrantError } from './errors.ts';
import { acknowledgeRule, wildcardResourceRuleId } from './nag.ts';
import type {
  AreaAccessOptions,
  AreaListAction,
  AreaObjectAction,
  StorageAction,
} from './types/area-access.ts';

const OBJECT_ACTIONS: readonly string[] = AREA_OBJECT_ACTIONS;
const LIST_ACTIONS: readonly string[] = AREA_LIST_ACTIONS;

function checkedActions(area: StorageArea, actions: readonly StorageAction[]) {
  const given = [...new Set<string>(actions)];
  if (given.length === 0) {
    throw new StorageGrantError(
      `A grant on area "${area}" needs at least one action: name them, for example ['s3:GetObject'].`,
    );
  }
  for (const action of given) {
    if (action.includes('*')) {
      throw new StorageGrantError(
        `Action "${action}" has a wildcard; grants on the bucket name exact actions only. Use ` +
          `some of ${[...OBJECT_ACTIONS, ...LIST_ACTIONS].join(', ')}.`,
      );
    }
    if (!OBJECT_ACTIONS.includes(action) && !LIST_ACTIONS.includes(action)) {
      throw new StorageGrantError(
        `Action "${action}" cannot be granted on area "${area}": use object actions ` +
          `(${OBJECT_ACTIONS.join(', ')}) or listing actions (${LIST_ACTIONS.join(', ')}).`,
      );
    }
  }
  return {
    objectActions: given.filter((a) => OBJECT_ACTIONS.includes(a)).sort() as AreaObjectAction[],
    listActions: given.filter((a) => LIST_ACTIONS.includes(a)).sort() as AreaListAction[],
  };
}

/**
 * The least-privilege statements for `actions` on one area of the key layout: object actions on
 * `<bucket>/<area prefix>*`, and listing actions on the bucket with an `s3:prefix` condition
 * for that prefix, so a listing outside the area (or with no prefix) is denied.
 * @throws StorageGrantError for no actions, a wildcard or an action outside the allowed lists.
 */
export function areaAccessStatements(
  bucket: IBucket,
  area: StorageArea,
  actions: readonly StorageAction[],
  options: AreaAccessOptions = {},
): PolicyStatement[] {
  const prefix = (options.layout ?? defaultKeyLayout).areaPrefix(area);
  const { objectActions, listActions } = checkedActions(area, actions);
  const statements: PolicyStatement[] = [];
  if (objectActions.length > 0) {
    statements.push(
      new PolicyStatement({
        actions: objectActions,
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }),
    );
  }
  if (listActions.length > 0) {
    statements.push(
      new PolicyStatement({
        actions: listActions,
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      }),
    );
  }
  return statements;
}

/**
 * Grants `grantee` exactly `actions` on one area of the key layout (see
 * {@link areaAccessStatements}) through its identity policy, and acknowledges the one
 * AwsSolutions-IAM5 finding this raises: the `<area prefix>*` resource, which cannot be narrower
 * because keys are per user and IAM cannot know user ids.
 *
 * ```ts
 * grantAreaAccess(fn, bucket, 'generated/memory', ['s3:GetObject', 's3:ListBucket']);
 * ```
 * @throws StorageGrantError when the grantee has no identity policy to add to.
 */
export function grantAreaAccess(
  grantee: IGrantable,
  bucket: IBucket,
  area: StorageArea,
  actions: readonly StorageAction[],
  options: AreaAccessOptions = {},
): Grant {
  const statements = areaAccessStatements(bucket, area, actions, options);
  const grants = statements.map((statement) =>
    Grant.addToPrincipal({
      grantee,
      actions: statement.actions,
      resourceArns: statement.resources,
      conditions: statement.conditions as Record<string, Record<string, unknown>>,
    }),
  );
  const grant = grants.reduce((all, next) => all.combine(next));
  if (!grant.success) {
    throw new StorageGrantError(
      `Cannot grant ${actions.join(', ')} on area "${area}": the grantee has no identity policy ` +
        '(it is not a role, user or group in this app). Grant to a role, or add a bucket policy ' +
        'statement instead.',
    );
  }
  const owner = Construct.isConstruct(grantee.grantPrincipal)
    ? grantee.grantPrincipal
    : Construct.isConstruct(grantee)
      ? grantee
      : undefined;
  const objectStatement = statements.find((s) => s.resources.some((r) => r !== bucket.bucketArn));
  if (owner !== undefined && objectStatement !== undefined) {
    for (const resource of objectStatement.resources) {
      acknowledgeRule(
        owner,
        wildcardResourceRuleId(owner, resource),
        `Objects under the "${area}" area of the key layout. Keys below it are per user ` +
          '(user ids are not known to IAM), so the area prefix is the narrowest resource.',
      );
    }
  }
  return grant;
}
