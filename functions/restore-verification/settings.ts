import type { LifelineConfig } from '../../cdk/config/schema';
import type { VerificationSettings } from './plan';

/** The VERIFICATION environment of the plan function, from the configuration (CDK and the twin use this). */
export function verificationSettingsFrom(config: LifelineConfig): VerificationSettings {
  const { instanceClass, rowCountTolerancePercent, ttlMinutes, checks } = config.restoreVerification;
  return { instanceClass, rowCountTolerancePercent, ttlMinutes, checks };
}
