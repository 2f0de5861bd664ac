import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Validations } from 'aws-cdk-lib';
import {
  DEPLOY_ACCESS_STACK_NAME,
  DeployAccessStack,
  deployAccessPropsFromContext,
} from '../lib/deploy-access-stack.ts';
import { buildStorageApp, InfraConfigError } from '../lib/index.ts';
import { failOnEveryFinding } from '../lib/nag.ts';

// The CDK app: one stack per environment (AutoBio-local, AutoBio-dev, AutoBio-prod).
const app = new App();
// AWS's Control Tower proactive controls (cfn-guard), beside the cdk-nag packs buildStorageApp
// adds: synth fails on any finding no construct acknowledges.
Validations.of(app).addPlugins(failOnEveryFinding(new CfnGuardValidator()));
try {
  buildStorageApp(app);
  // Only when asked for (-c deployAccess:githubRepo=owner/name), so the usual synth is unchanged.
  const deployAccess = deployAccessPropsFromContext(app.node.getAllContext());
  if (deployAccess) new DeployAccessStack(app, DEPLOY_ACCESS_STACK_NAME, deployAccess);
} catch (error) {
  if (error instanceof InfraConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
