import { App } from 'aws-cdk-lib';
import { buildStorageApp, InfraConfigError } from '../lib/index.ts';

// The CDK app: one stack per environment (AutoBio-local, AutoBio-dev, AutoBio-prod).
const app = new App();
try {
  buildStorageApp(app);
} catch (error) {
  if (error instanceof InfraConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
