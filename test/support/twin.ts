import { parseConfig } from '../../contracts/config/load';
import type { LifelineConfigInput } from '../../contracts/config/schema';
import { Twin, type TwinOptions } from '../../local/twin';

/** A started twin for one test file; `stop()` it in afterAll. */
export async function startTwin(config: LifelineConfigInput = {}, options: Omit<TwinOptions, 'config'> = {}): Promise<Twin> {
  const twin = new Twin({ config: parseConfig(config), ...options });
  await twin.start();
  return twin;
}
