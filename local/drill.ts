import './polyfills';
import { App } from 'aws-cdk-lib';
import { CONFIG_CONTEXT_KEY, ConfigError, loadConfig } from '../cdk/config/load';
import { buildLifeline } from '../cdk/lifeline-app';

/** Until workflows exist: synthesize every stack and print its main resources. */
function main(): number {
  const app = new App({ context: {} });
  let config;
  try {
    config = loadConfig(app.node.tryGetContext(CONFIG_CONTEXT_KEY));
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const stacks = buildLifeline(app, config);
  const assembly = app.synth();
  for (const stack of Object.values(stacks)) {
    const template = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string }> };
    const counts = new Map<string, number>();
    for (const resource of Object.values(template.Resources)) counts.set(resource.Type, (counts.get(resource.Type) ?? 0) + 1);
    console.log(`${stack.stackName} (${stack.region})`);
    for (const [type, count] of [...counts].sort()) console.log(`  ${String(count).padStart(3)}  ${type}`);
  }
  return 0;
}

process.exitCode = main();
