import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../contracts/config/load';

/**
 * The cache runs Multi-AZ with automatic failover (cdk/workload/cache.ts), and
 * ElastiCache then keeps at least one replica: DecreaseReplicaCount refuses
 * fewer (SDK DecreaseReplicaCountMessage.NewReplicaCount, "If Multi-AZ is
 * enabled: 1"). The configuration says so before anything is deployed.
 */
describe('configuration of a Multi-AZ cache', () => {
  it('refuses a cache without a replica, naming the field', () => {
    expect(() => parseConfig({ cache: { replicas: 0 } })).toThrow(
      /cache\.replicas: must be ≥ 1: Multi-AZ automatic failover needs a replica/,
    );
  });

  it('refuses linked cache replica bounds below 1, naming the policy and the field', () => {
    const linked = (min: number) => ({
      scaling: { policies: { 'cache-cpu-high': { direction: 'in' as const, step: 1, linked: { cacheReplicas: { min, max: 2 } } } } },
    });
    expect(() => parseConfig(linked(0))).toThrow(
      /scaling\.policies\.cache-cpu-high\.linked\.cacheReplicas\.min: must be ≥ 1: the cache runs Multi-AZ with automatic failover/,
    );
    expect(parseConfig(linked(1)).scaling.policies['cache-cpu-high']?.linked?.cacheReplicas).toEqual({ min: 1, max: 2 });
  });
});
