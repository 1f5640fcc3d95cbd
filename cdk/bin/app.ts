import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildLifeline } from '../lifeline-app';
import { CONFIG_CONTEXT_KEY, ConfigError, loadConfig } from '../../contracts/config/load';

const app = new App();
try {
  const config = loadConfig(app.node.tryGetContext(CONFIG_CONTEXT_KEY));
  buildLifeline(app, config);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
