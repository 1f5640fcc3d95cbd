import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALARM_CATALOG } from '../../contracts/alarm-catalog';
import { ConfigError, loadConfig, parseConfig } from '../../contracts/config/load';

describe('configuration', () => {
  it('gives every field a documented default', () => {
    const config = parseConfig({});
    expect(config.appName).toBe('lifeline');
    expect(config.regions).toEqual({ primary: 'us-east-1', dr: 'us-west-2' });
    expect(config.dr.strategy).toBe('warm-standby');
    expect(config.cache.engine).toBe('valkey');
    expect(config.service).toMatchObject({
      image: 'traefik/whoami:v1.10.3',
      containerPort: 8080,
      environment: { WHOAMI_PORT_NUMBER: '8080' },
    });
    expect(config.backup.schedule).toBe('cron(0 */6 * * ? *)');
    expect(config.dns).toEqual({});
    // Defaults: scale out fast (double, at least +4, 60 s), scale in slowly (−2 after 300 s).
    expect(config.scaling.policies['service-cpu-high']).toMatchObject({
      direction: 'out',
      stepType: 'percent',
      step: 100,
      minStep: 4,
      cooldownSeconds: 60,
    });
    expect(config.scaling.policies['service-cpu-low']).toMatchObject({
      direction: 'in',
      stepType: 'absolute',
      step: 2,
      stabilizationSeconds: 300,
    });
  });

  it('names only alarms that exist in the catalog in its default policies', () => {
    for (const id of Object.keys(parseConfig({}).scaling.policies)) expect(ALARM_CATALOG).toHaveProperty(id);
  });

  it('reads lifeline.config.json over the cdk.json context, field by field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-config-'));
    const file = join(dir, 'lifeline.config.json');
    writeFileSync(file, JSON.stringify({ service: { desiredCount: 4 }, dr: { strategy: 'pilot-light' } }));
    const config = loadConfig({ appName: 'shop', service: { maxCount: 8 } }, file);
    expect(config.appName).toBe('shop');
    expect(config.service).toMatchObject({ desiredCount: 4, maxCount: 8, minCount: 2 });
    expect(config.dr.strategy).toBe('pilot-light');
  });

  it('rejects a config file that is not JSON, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-config-'));
    const file = join(dir, 'lifeline.config.json');
    writeFileSync(file, '{ nope');
    expect(() => loadConfig({}, file)).toThrow(/lifeline\.config\.json: is not valid JSON/);
  });

  // One case per field: the message names the field and the reason.
  const invalid: [string, unknown, RegExp][] = [
    ['appName', { appName: 'Bad Name' }, /appName: must be 2–31 characters/],
    ['appName', { appName: 'shop--eu' }, /appName: must be 2–31 characters.*without --/],
    ['account', { account: '1234' }, /account: must be a 12-digit AWS account id/],
    ['regions.primary', { regions: { primary: 'mars-1' } }, /regions\.primary: must be an AWS region name/],
    ['regions.dr', { regions: { primary: 'eu-west-1', dr: 'eu-west-1' } }, /regions\.dr: primary and dr must be different regions/],
    ['network.primaryCidr', { network: { primaryCidr: '10.0.0.0/99' } }, /network\.primaryCidr:/],
    ['network.azSuffixes', { network: { azSuffixes: ['a'] } }, /network\.azSuffixes:/],
    ['network.natGateways', { network: { natGateways: 0 } }, /network\.natGateways:/],
    ['service.image', { service: { image: '' } }, /service\.image:/],
    [
      'service.containerPort',
      { service: { containerPort: 80 } },
      /service\.containerPort: must be ≥ 1024: the container runs as a non-root user/,
    ],
    ['service.healthCheckPath', { service: { healthCheckPath: 'health' } }, /service\.healthCheckPath:/],
    ['service.cpu', { service: { cpu: 300 } }, /service\.cpu:/],
    ['service.minCount', { service: { minCount: 3, desiredCount: 2 } }, /service\.minCount: must be ≤ desiredCount/],
    ['service.desiredCount', { service: { desiredCount: 30 } }, /service\.desiredCount: must be ≤ maxCount/],
    [
      'service.certificateArns.primary',
      { service: { certificateArns: { primary: 'cert-1' } } },
      /service\.certificateArns\.primary: must be an ACM certificate ARN/,
    ],
    ['database.engineVersion', { database: { engineVersion: '9.6' } }, /database\.engineVersion: must be a PostgreSQL version/],
    ['database.instanceClass', { database: { instanceClass: 't4g.medium' } }, /database\.instanceClass: must be an RDS instance class/],
    ['database.allocatedStorageGiB', { database: { allocatedStorageGiB: 5 } }, /database\.allocatedStorageGiB:/],
    [
      'database.maxAllocatedStorageGiB',
      { database: { allocatedStorageGiB: 100, maxAllocatedStorageGiB: 50 } },
      /database\.maxAllocatedStorageGiB: must be ≥ allocatedStorageGiB/,
    ],
    ['database.databaseName', { database: { databaseName: 'App-DB' } }, /database\.databaseName: must be a PostgreSQL identifier/],
    ['cache.engine', { cache: { engine: 'memcached' } }, /cache\.engine:/],
    ['cache.nodeType', { cache: { nodeType: 'm5.large' } }, /cache\.nodeType: must be an ElastiCache node type/],
    ['cache.replicas', { cache: { replicas: 0 } }, /cache\.replicas: must be ≥ 1: Multi-AZ automatic failover needs a replica/],
    [
      'dns.domainName',
      { dns: { domainName: 'App.Example.com', hostedZoneId: 'Z123456' } },
      /dns\.domainName: must be a lower-case DNS name/,
    ],
    ['dns.hostedZoneId', { dns: { domainName: 'app.example.com' } }, /dns\.hostedZoneId: domainName and hostedZoneId go together/],
    ['dr.strategy', { dr: { strategy: 'backup-restore' } }, /dr\.strategy:/],
    ['dr.rtoMinutes', { dr: { rtoMinutes: 0 } }, /dr\.rtoMinutes:/],
    ['dr.rpoMinutes', { dr: { rpoMinutes: -5 } }, /dr\.rpoMinutes:/],
    ['backup.schedule', { backup: { schedule: 'every 6 hours' } }, /backup\.schedule: must be an EventBridge Scheduler expression/],
    ['backup.retention.keepLast', { backup: { retention: { keepLast: 0 } } }, /backup\.retention\.keepLast:/],
    [
      'scaling.policies.<alarm>',
      { scaling: { policies: { 'service-cpu-high': { direction: 'up', step: 1 } } } },
      /scaling\.policies\.service-cpu-high\.direction:/,
    ],
    [
      'scaling.policies (unknown alarm)',
      { scaling: { policies: { 'no-such-alarm': { direction: 'out', step: 1 } } } },
      /scaling\.policies: unknown field\(s\) "no-such-alarm"/,
    ],
    ['unknown field', { databse: {} }, /\(root\): unknown field\(s\) "databse"/],
  ];
  it.each(invalid)('rejects an invalid %s with a message naming it', (_field, raw, message) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(message);
  });
});
